import { closeSync, linkSync, lstatSync, mkdirSync, open, realpathSync, symlinkSync, writeSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../common/errors';
import { writevAll } from './writeAll';

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

/** A file being extracted: its open may still be on its way, with its data held until then. */
interface OutFile {
  abs: string;
  fd?: number;
  parts: Buffer[];
  held: number;
  /** All its data has come. */
  complete: boolean;
  /** Resolves once it is closed (or its open failed). */
  done: Promise<void>;
  /** Resolves when its open returns. */
  opened: Promise<void>;
  settled: () => void;
}

/** Bytes held for files whose open has not returned yet. */
const HELD = 32 * 1024 * 1024;

const twice = (name: string) => new AppError('ARCHIVE_UNSAFE', `${name} appears twice in the archive`);

/** A create that fails with EEXIST where the name is taken (link, symlink): a second entry of one name. */
function creating(name: string, make: () => void): void {
  try {
    make();
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? twice(name) : err;
  }
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
 * link to a place outside.
 *
 * Creating a file is the slow step where data is being written back (half a millisecond each on ext4 here, where
 * `tar -x` waits for every one in turn), so files are opened in libuv's pool, several at once, while the stream is
 * read on: a file's data is held until its open returns, then written synchronously (faster than a promise per
 * write), and later chunks go straight to it. At most HELD bytes wait for opens; then the stream waits.
 */
export async function extractTar(source: Readable, dest: string, signal?: AbortSignal, holdBytes = HELD): Promise<{ files: number }> {
  const root = realpathSync(dest);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const dirs = new Map<string, string>([['', root]]);
  /** The real path of a folder inside the archive root, created (without following links out) if missing. */
  const ensureDir = (rel: string, mode = 0o755): string => {
    const cached = dirs.get(rel);
    if (cached) return cached;
    const parent = ensureDir(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    const abs = join(parent, posix.basename(rel));
    if (pending.has(abs)) throw twice(rel);
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
  /** The file whose data is streaming now. */
  let cur: OutFile | undefined;
  /** Files whose open or last writes are still to come, by absolute path. */
  const pending = new Map<string, OutFile>();
  let held = 0;
  let failed: unknown;
  const fail = (err: unknown) => (failed ??= err);
  /** Writes what `f` holds, and closes it once all of it has come; sync, on the main thread. */
  const drain = (f: OutFile) => {
    if (f.fd === undefined || f.fd < 0) return;
    if (f.parts.length) {
      writevAll(f.fd, f.parts);
      held -= f.held;
      f.parts = [];
      f.held = 0;
    }
    if (f.complete) {
      closeSync(f.fd);
      f.fd = -1;
      pending.delete(f.abs);
      f.settled();
    }
  };
  const startFile = (abs: string, mode: number): OutFile => {
    let settled!: () => void;
    let opened!: () => void;
    const f: OutFile = { abs, parts: [], held: 0, complete: false, done: new Promise<void>((r) => (settled = r)), settled: () => settled(), opened: new Promise<void>((r) => (opened = r)) };
    pending.set(abs, f);
    open(abs, 'wx', mode, (err, fd) => {
      opened();
      if (err) {
        pending.delete(abs);
        held -= f.held;
        fail(err.code === 'EEXIST' ? twice(abs.slice(root.length + 1)) : err);
        f.settled();
        return;
      }
      f.fd = fd;
      try {
        drain(f);
      } catch (e) {
        fail(e);
        closeSync(fd);
        f.fd = -1; // what still comes for it is dropped: the unpack is failing
        pending.delete(abs);
        f.settled();
      }
    });
    return f;
  };
  /** Waits for every file still opening or being written (before a hard link to one of them, and at the end). */
  const settle = async () => {
    while (pending.size) await Promise.all([...pending.values()].map((f) => f.done));
  };
  let pax: Record<string, string> = {};
  /** Whether the last header block read was a zero block (the end-of-archive marker). */
  let sawEnd = false;
  let paxParts: Buffer[] | undefined;
  let longName: Buffer[] | undefined;
  let longKind: 'path' | 'linkpath' = 'path';
  let files = 0;
  const links: { name: string; abs: string; link: string }[] = [];

  /** Handles a header; returns a hard link that must wait for its target's writes. */
  const onHeader = (h: Buffer): { name: string; target: string; abs: string } | undefined => {
    const flag = String.fromCharCode(h[156]!);
    const size = pax.size ? Number(pax.size) : octal(h, 124, 12);
    remaining = size;
    pad = (512 - (size % 512)) % 512;
    if (flag === 'x' || flag === 'g') {
      paxParts = flag === 'x' ? [] : undefined;
      if (flag === 'g') longName = undefined;
      return undefined;
    }
    if (flag === 'L' || flag === 'K') {
      longName = [];
      longKind = flag === 'L' ? 'path' : 'linkpath';
      return undefined;
    }
    const prefix = cstr(h, 345, 155);
    const name = (pax.path ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100))).replace(/^\.\/+/, '').replace(/\/+$/, '');
    const link = pax.linkpath ?? cstr(h, 157, 100);
    const mode = octal(h, 100, 8) & 0o777;
    pax = {};
    const type = TYPES[flag] ?? `type-${flag}`;
    if (!name || name === '.') return undefined; // the archive root itself
    const why = unsafeEntry(name, type, link);
    if (why) throw new AppError('ARCHIVE_UNSAFE', why);
    if (type === 'dir') {
      ensureDir(name, mode || 0o755);
      return undefined;
    }
    const parent = ensureDir(posix.dirname(name) === '.' ? '' : posix.dirname(name));
    const abs = join(parent, posix.basename(name));
    // No lstat first: every create below fails on a taken name (EEXIST), and a lookup would wait on the folder's
    // lock while files are being created in it.
    if (pending.has(abs)) throw twice(name);
    if (type === 'symlink') {
      creating(name, () => symlinkSync(link, abs));
      links.push({ name, abs, link });
    } else if (type === 'hardlink') {
      const target = join(ensureDir(posix.dirname(link) === '.' ? '' : posix.dirname(link)), posix.basename(link));
      if (pending.has(target)) return { name, target, abs }; // made once the file it names is whole
      creating(name, () => linkSync(target, abs));
    } else {
      cur = startFile(abs, mode || 0o644);
      files++;
      if (remaining === 0) {
        cur.complete = true;
        drain(cur);
        cur = undefined;
      }
    }
    return undefined;
  };

  /** Takes `chunk` from `i`; stops early (returning where, and the link) at a hard link that must wait. */
  const onData = (chunk: Buffer, i = 0): { at: number; link: { name: string; target: string; abs: string } } | undefined => {
    while (i < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - i);
        if (cur) {
          if (cur.fd !== undefined) {
            if (cur.fd >= 0) writeSync(cur.fd, chunk, i, n);
          } else {
            cur.parts.push(chunk.subarray(i, i + n)); // each chunk is a buffer of its own: holding a view is safe
            cur.held += n;
            held += n;
          }
        } else if (paxParts) paxParts.push(Buffer.from(chunk.subarray(i, i + n)));
        else if (longName) longName.push(Buffer.from(chunk.subarray(i, i + n)));
        remaining -= n;
        i += n;
        if (remaining === 0) {
          if (cur) {
            cur.complete = true;
            drain(cur);
            cur = undefined;
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
      if (h.every((x) => x === 0)) {
        sawEnd = true;
        continue;
      }
      sawEnd = false;
      let sum = 0;
      for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : h[k]!;
      if (sum !== octal(h, 148, 8)) throw new AppError('ARCHIVE_INVALID', 'a tar header has a bad checksum (the archive is corrupt, or not a tar inside)');
      const link = onHeader(h);
      if (link) return { at: i, link };
    }
    return undefined;
  };

  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'Unpacking was cancelled.');
      for (let wait = onData(chunk); wait; wait = onData(chunk, wait.at)) {
        await settle();
        if (failed) throw failed;
        const { name, target, abs } = wait.link;
        creating(name, () => linkSync(target, abs));
      }
      if (failed) throw failed;
      // Bound what waits for opens: the stream waits for one to return (the file still streaming may be the one).
      while (held > holdBytes) {
        const opening = [...pending.values()].filter((f) => f.fd === undefined).map((f) => f.opened);
        if (!opening.length) break;
        await Promise.race(opening);
      }
      if (failed) throw failed;
    }
    if (remaining > 0 || cur) throw new AppError('ARCHIVE_INVALID', 'the archive ends in the middle of a file (truncated)');
    // A stream cut between two entries would otherwise pass for a whole archive with fewer files.
    if (!sawEnd) throw new AppError('ARCHIVE_INVALID', 'the archive ends without its end-of-archive marker (truncated)');
    await settle();
    if (failed) throw failed;
  } finally {
    source.destroy();
    // On a failure, what is held is dropped and files still opening are closed as their opens return.
    for (const f of pending.values()) {
      f.parts = [];
      f.complete = true;
      drain(f);
    }
    await settle();
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
