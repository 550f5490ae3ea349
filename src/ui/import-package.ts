/**
 * import() of a package or one of Node's modules, by name. The command's
 * CommonJS bundle runs where import() has no loader of its own, so its
 * build puts the one its loader gives in place of this module
 * (bin/build-bundle.mjs, bin/command-loader.js). Every import() of a name
 * goes through here (Ink, whose modules wait on a top-level await, is
 * imported, never required).
 */
export function importPackage<T>(name: string): Promise<T> {
  return import(name) as Promise<T>;
}
