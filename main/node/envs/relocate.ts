import { readFile, writeFile } from 'node:fs/promises';
import { AppError } from '../../common/errors';

/** A file that has the env's prefix baked in, and how to rewrite it when the env moves. */
export interface RelocEntry {
  /** Path inside the env, with "/" separators. */
  path: string;
  /** text: every occurrence is replaced; binary: inside NUL-terminated strings, padded with NUL to keep offsets. */
  mode: 'text' | 'binary';
}

/** Replaces every occurrence of `from` with `to` in a buffer (text mode). */
export function replaceText(data: Buffer, from: Buffer, to: Buffer): { data: Buffer; count: number } {
  let at = data.indexOf(from);
  if (at < 0) return { data, count: 0 };
  const parts: Buffer[] = [];
  let last = 0;
  let count = 0;
  while (at >= 0) {
    parts.push(data.subarray(last, at), to);
    last = at + from.length;
    count++;
    at = data.indexOf(from, last);
  }
  parts.push(data.subarray(last));
  return { data: Buffer.concat(parts), count };
}

/**
 * conda's binary replacement: in each NUL-terminated string that contains `from`, every occurrence is
 * replaced with `to` and the string is padded with NULs to its old length, so no offset in the binary moves.
 * A longer `to` cannot fit: that is an error the caller reports (conda's PaddingError).
 */
export function replaceBinary(data: Buffer, from: Buffer, to: Buffer, file: string): { data: Buffer; count: number } {
  if (to.length > from.length) {
    throw new AppError('PREFIX_TOO_LONG', `${file} has the old prefix compiled in as a fixed-size string; the new prefix (${to.length} characters) is longer than the old one (${from.length}). Unpack to a path of at most ${from.length} characters.`);
  }
  let at = data.indexOf(from);
  if (at < 0) return { data, count: 0 };
  const out = Buffer.from(data);
  let count = 0;
  while (at >= 0) {
    // The string runs from `at` to the next NUL; rewrite it in place.
    let end = out.indexOf(0, at);
    if (end < 0) end = out.length;
    const str = out.subarray(at, end);
    const { data: replaced, count: n } = replaceText(Buffer.from(str), from, to);
    replaced.copy(out, at);
    out.fill(0, at + replaced.length, end);
    count += n;
    at = out.indexOf(from, at + replaced.length);
  }
  return { data: out, count };
}

/** Rewrites one file in place; returns how many replacements it made. */
export async function relocateFile(file: string, entry: RelocEntry, from: string, to: string): Promise<number> {
  const data = await readFile(file);
  const f = Buffer.from(from);
  const t = Buffer.from(to);
  const r = entry.mode === 'binary' ? replaceBinary(data, f, t, entry.path) : replaceText(data, f, t);
  if (r.count) await writeFile(file, r.data);
  return r.count;
}

/** Linux refuses shebang lines longer than this; longer ones go through /usr/bin/env. */
const MAX_SHEBANG = 127;

/**
 * Fixes a script's shebang after a move: one that points into the old prefix points into the new one, or,
 * when that line would be too long for the kernel, runs the interpreter through `/usr/bin/env`.
 * Returns the new content, or undefined when the file needs no change.
 */
export function fixShebang(data: Buffer, from: string, to: string): Buffer | undefined {
  if (data[0] !== 0x23 || data[1] !== 0x21) return undefined; // "#!"
  let nl = data.indexOf(0x0a);
  if (nl < 0) nl = data.length;
  const line = data.subarray(0, nl).toString('utf8');
  const m = /^#!\s*(\S+)(.*)$/.exec(line);
  if (!m) return undefined;
  let interp = m[1]!;
  if (interp.startsWith(from + '/')) interp = to + interp.slice(from.length);
  else if (!interp.startsWith(to + '/')) return undefined;
  let next = `#!${interp}${m[2]}`;
  if (Buffer.byteLength(next) > MAX_SHEBANG) next = `#!/usr/bin/env ${interp.slice(interp.lastIndexOf('/') + 1)}${m[2]}`;
  if (next === line) return undefined;
  return Buffer.concat([Buffer.from(next), data.subarray(nl)]);
}
