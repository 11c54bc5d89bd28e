/** A place for a CLI command to print, and what it printed (stdout lines, stderr lines). */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { log: (s: string) => out.push(s), error: (s: string) => err.push(s) }, out, err };
}
