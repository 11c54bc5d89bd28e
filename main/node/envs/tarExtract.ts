import { closeSync, linkSync, lstatSync, mkdirSync, openSync, realpathSync, symlinkSync, writeSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../common/errors';

/** Why an archive entry may not be extracted, or undefined when it is safe (a lexical check of names and links). */
export function unsafeEntry(path: string, type: string, linkpath: string | undefined): string | undefined {
  const p = path.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return `${path} is an absolute path`;
  if (p.split('/').includes('..')) return `${path} climbs out with ".."`;
  if (type === 'symlink' || type === 'hardlink') {
    const target = (linkpath ?? '').replace(/\\/g, '/');
    if (!target) return `${path} is a link without a target`;
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return `${path} links to the absolute path ${target}`;
    // Symlinks resolve from their folder, hard links from the archive root.
    const resolved = posix.normalize(posix.join(type === 'symlink' ? posix.dirname(p) : '.', target));
    if (resolved === '..' || resolved.startsWith('../')) return `${path} links to ${target}, outside the env`;
  }
  if (!['file', 'dir', 'symlink', 'hardlink'].includes(type)) return `${path} is a ${type} entry, which an env never holds`;
  return undefined;
}

const TYPES: Record<string, string> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'dir', '2': 'symlink', '1': 'hardlink', '3': 'character device', '4': 'block device', '6': 'fifo' };

function cstr(b: Buffer, o: number, l: number): string {
  const s = b.subarray(o, o + l);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}
function octal(b: Buffer, o: number, l: number): number {
  if (b[o]! & 0x80) return Number(b.readBigUInt64BE(o + l - 8)); // GNU base-256 for huge sizes
  return Number.parseInt(cstr(b, o, l).trim() || '0', 8);
}

/**
 * Extracts a tar stream into `dest`, refusing the whole archive at the first unsafe entry. Beyond the
 * name checks, every folder a file lands in is resolved with realpath and must be inside `dest`, links are
 * created only where nothing exists yet, and files are opened with O_EXCL, so no entry can write through a
 * link to a place outside. Writes are synchronous per chunk (a chunk is at most the stream's 64 KiB), which
 * is faster than a promise per write and keeps the event loop turning between chunks.
 */
export async function extractTar(source: Readable, dest: string, signal?: AbortSignal): Promise<{ files: number }> {
  const root = realpathSync(dest);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const dirs = new Map<string, string>([['', root]]);
  /** The real path of a folder inside the archive root, created (without following links out) if missing. */
  const ensureDir = (rel: string, mode = 0o755): string => {
    const cached = dirs.get(rel);
    if (cached) return cached;
    const parent = ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    const abs = join(parent, posix.basename(rel));
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) mkdirSync(abs, { mode: mode & 0o777 });
    let real = abs;
    if (st?.isSymbolicLink()) {
      try {
        real = realpathSync(abs);
      } catch {
        throw new AppError('ARCHIVE_UNSAFE', `${rel} is a link that leads outside the env or nowhere`);
      }
    }
    if (!inside(real)) throw new AppError('ARCHIVE_UNSAFE', `${rel} leads outside the env through a link`);
    if (!lstatSync(real).isDirectory()) throw new AppError('ARCHIVE_UNSAFE', `${rel} is used as a folder but is not one`);
    dirs.set(rel, real);
    return real;
  };

  let header: Buffer = Buffer.alloc(0);
  let remaining = 0;
  let pad = 0;
  let fd = -1;
  let pax: Record<string, string> = {};
  let paxParts: Buffer[] | undefined;
  let longName: Buffer[] | undefined;
  let longKind: 'path' | 'linkpath' = 'path';
  let files = 0;
  const links: { name: string; abs: string; link: string }[] = [];

  const onHeader = (h: Buffer) => {
    const flag = String.fromCharCode(h[156]!);
    const size = pax.size ? Number(pax.size) : octal(h, 124, 12);
    remaining = size;
    pad = (512 - (size % 512)) % 512;
    if (flag === 'x' || flag === 'g') {
      paxParts = flag === 'x' ? [] : undefined;
      if (flag === 'g') longName = undefined;
      return;
    }
    if (flag === 'L' || flag === 'K') {
      longName = [];
      longKind = flag === 'L' ? 'path' : 'linkpath';
      return;
    }
    const prefix = cstr(h, 345, 155);
    const name = (pax.path ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100))).replace(/^\.\/+/, '').replace(/\/+$/, '');
    const link = pax.linkpath ?? cstr(h, 157, 100);
    const mode = octal(h, 100, 8) & 0o777;
    pax = {};
    const type = TYPES[flag] ?? `type-${flag}`;
    if (!name || name === '.') return; // the archive root itself
    const why = unsafeEntry(name, type, link);
    if (why) throw new AppError('ARCHIVE_UNSAFE', why);
    if (type === 'dir') {
      ensureDir(name, mode || 0o755);
      return;
    }
    const parent = ensureDir(posix.dirname(name) === '.' ? '' : posix.dirname(name));
    const abs = join(parent, posix.basename(name));
    if (lstatSync(abs, { throwIfNoEntry: false })) throw new AppError('ARCHIVE_UNSAFE', `${name} appears twice in the archive`);
    if (type === 'symlink') {
      symlinkSync(link, abs);
      links.push({ name, abs, link });
    }
    else if (type === 'hardlink') {
      const target = join(ensureDir(posix.dirname(link) === '.' ? '' : posix.dirname(link)), posix.basename(link));
      linkSync(target, abs);
    } else {
      fd = openSync(abs, 'wx', mode || 0o644);
      files++;
      if (remaining === 0) {
        closeSync(fd);
        fd = -1;
      }
    }
  };

  const onData = (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - i);
        if (fd >= 0) writeSync(fd, chunk, i, n);
        else if (paxParts) paxParts.push(Buffer.from(chunk.subarray(i, i + n)));
        else if (longName) longName.push(Buffer.from(chunk.subarray(i, i + n)));
        remaining -= n;
        i += n;
        if (remaining === 0) {
          if (fd >= 0) {
            closeSync(fd);
            fd = -1;
          } else if (paxParts) {
            const text = Buffer.concat(paxParts).toString('utf8');
            paxParts = undefined;
            for (const m of text.matchAll(/\d+ ([^=]+)=([^\n]*)\n/g)) pax[m[1]!] = m[2]!;
          } else if (longName) {
            pax[longKind] = cstr(Buffer.concat(longName), 0, Number.MAX_SAFE_INTEGER);
            longName = undefined;
          }
        }
        continue;
      }
      if (pad > 0) {
        const n = Math.min(pad, chunk.length - i);
        pad -= n;
        i += n;
        continue;
      }
      const take = chunk.subarray(i, i + 512 - header.length);
      header = header.length ? Buffer.concat([header, take]) : take;
      i += take.length;
      if (header.length < 512) {
        header = Buffer.from(header);
        continue;
      }
      const h = header;
      header = Buffer.alloc(0);
      if (h.every((x) => x === 0)) continue;
      let sum = 0;
      for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : h[k]!;
      if (sum !== octal(h, 148, 8)) throw new AppError('ARCHIVE_INVALID', 'a tar header has a bad checksum (the archive is corrupt, or not a tar inside)');
      onHeader(h);
    }
  };

  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'Unpacking was cancelled.');
      onData(chunk);
    }
    if (remaining > 0 || fd >= 0) throw new AppError('ARCHIVE_INVALID', 'the archive ends in the middle of a file (truncated)');
  } finally {
    if (fd >= 0) closeSync(fd);
    source.destroy();
  }
  // A link that passes the name check can still leave through another link (a → ".", b → "a/../x"):
  // resolve each one for real now that everything exists.
  for (const l of links) {
    let real: string;
    try {
      real = realpathSync(l.abs);
    } catch {
      real = join(realpathSync(join(l.abs, '..')), l.link); // dangling: judge where it would point
    }
    if (!inside(real)) throw new AppError('ARCHIVE_UNSAFE', `${l.name} links to ${l.link}, which resolves outside the env`);
  }
  return { files };
}
