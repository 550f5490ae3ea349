/** The entry point: argv → a store or hub → script mode or the interactive shell. */
export async function main(_argv: string[]): Promise<number> {
  process.stdout.write('ipc: the shell is not built yet\n');
  return 0;
}
