/** A command as a shell would need it typed: arguments with spaces or shell characters are quoted (POSIX single quotes). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
