import type * as InkModule from 'ink';
import { importPackage } from './import-package.js';

/**
 * Ink as the app's components use it, imported by runInteractive before the
 * app's module is: Ink's modules wait on a top-level await (its layout
 * engine loads), so they can be imported but never required, and the
 * command's CommonJS bundle (bin/build-bundle.mjs) would turn a static
 * import into a require.
 */
export let ink: typeof InkModule;

/** Imports Ink once; the app reads it from `ink` after. */
export async function loadInk(): Promise<typeof InkModule> {
  ink ??= await importPackage<typeof InkModule>('ink');
  return ink;
}
