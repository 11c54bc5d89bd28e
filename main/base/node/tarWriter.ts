/**
 * A minimal streaming tar writer (POSIX ustar with pax extended headers for long names and big files),
 * so the packer controls every entry: extra generated files, rewritten symlinks, and progress.
 */

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): string {
  // The length prefix counts itself: one more digit can push the total over a power of ten.
  const base = Buffer.byteLength(` ${key}=${value}\n`);
  let len = base + String(base).length;
  if (String(len).length !== String(base).length) len = base + String(len).length;
  return `${len} ${key}=${value}\n`;
}

/** The kinds of entry the packer writes. */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size?: number;
  mtime?: number;
  linkpath?: string;
}

function header(e: TarEntry, nameOverride?: string, typeflag?: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  const name = nameOverride ?? (e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path);
  b.write(name.slice(0, 100), 0, 'utf8');
  b.write(octal(e.mode & 0o7777, 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  const size = e.type === 'file' ? (e.size ?? 0) : 0;
  b.write(octal(size > 0o77777777777 ? 0 : size, 12), 124, 'ascii');
  b.write(octal(Math.floor(e.mtime ?? 0), 12), 136, 'ascii');
  b.write('        ', 148, 'ascii');
  b.write(typeflag ?? (e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2'), 156, 'ascii');
  if (e.linkpath) b.write(e.linkpath.slice(0, 100), 157, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(octal(sum, 7) + ' ', 148, 'ascii');
  return b;
}

/** The header block(s) for an entry: a pax header first when a name, link or size does not fit ustar. */
export function entryHeader(e: TarEntry): Buffer {
  const name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const records: string[] = [];
  if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
  if (e.linkpath && Buffer.byteLength(e.linkpath) > 100) records.push(paxRecord('linkpath', e.linkpath));
  if (e.type === 'file' && (e.size ?? 0) > 0o77777777777) records.push(paxRecord('size', String(e.size)));
  if (!records.length) return header(e);
  const body = Buffer.from(records.join(''));
  const pax = header({ path: 'PaxHeader', type: 'file', mode: 0o644, size: body.length, mtime: e.mtime }, `PaxHeaders/${name.slice(-80)}`.slice(0, 99), 'x');
  return Buffer.concat([pax, body, Buffer.alloc(padding(body.length)), header(e)]);
}

/** Zero bytes after `size` bytes of data, up to the block size. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
