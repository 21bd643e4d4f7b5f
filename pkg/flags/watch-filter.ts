/**
 * Which events of the watched directory may have changed the flags file:
 * the file itself (an editor's save, a rename over it), a ConfigMap volume's
 * `..data` swap (its entries begin with `..`), or an event without a name
 * (some platforms give none). Anything else in the directory — a log file,
 * say — is not the flags file's business and must not reread it.
 */
export function concernsFlagsFile(eventName: string | Buffer | null | undefined, fileBase: string): boolean {
  if (eventName === null || eventName === undefined) return true;
  const name = String(eventName);
  return name === fileBase || name.startsWith('..');
}
