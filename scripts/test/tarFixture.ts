import { END_OF_ARCHIVE, entryHeader, padding, type TarEntry } from '../../main/base/node/tarWriter';

/** An entry of a hand-made archive: any name, type and link, hostile ones included. */
export type RawTarEntry = TarEntry & { data?: string | Buffer };

/** A tar archive written entry by entry with Lathe's own writer (so it can hold what `tar -c` would refuse). */
export function tarBytes(entries: RawTarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    parts.push(entryHeader({ ...e, size: data.length, mtime: e.mtime ?? 0 }));
    if (e.type === 'file') parts.push(data, Buffer.alloc(padding(data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
