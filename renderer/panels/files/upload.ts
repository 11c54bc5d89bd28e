import { AppError, isAppError } from '../../../main/common/errors';
import { joinPath } from '../../../main/common/files';
import type { Services } from '../../platform/services';

/** Bytes per upload call: 2 MiB is under 3 MiB as base64, well inside the RPC's frame and argument limits. */
const CHUNK = 2 * 1024 * 1024;

/** Base64 of a byte range (btoa needs a binary string; built in slices so a big chunk does not overflow the stack). */
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Uploads files dropped from the desktop into a workspace folder, in chunks, reporting progress. A file whose name is
 * taken is refused (never overwritten); a file cut off half-way is moved to the trash so no partial copy is left.
 */
export async function uploadFiles(services: Services, dir: string, files: readonly File[], progress: (text: string) => void): Promise<string[]> {
  const done: string[] = [];
  const total = files.reduce((n, f) => n + f.size, 0);
  let sent = 0;
  for (const f of files) {
    const path = joinPath(dir, f.name);
    let offset = 0;
    try {
      do {
        const bytes = new Uint8Array(await f.slice(offset, offset + CHUNK).arrayBuffer());
        await services.files.upload(path, toBase64(bytes), offset);
        offset += bytes.length;
        sent += bytes.length;
        progress(`Uploading ${f.name}… ${total ? Math.round((sent / total) * 100) : 100}%`);
      } while (offset < f.size);
    } catch (err) {
      if (offset > 0) await services.files.trash(path).catch(() => undefined);
      const why = isAppError(err) ? err.message : String(err);
      throw new AppError(isAppError(err) ? err.code : 'SAVE_FAILED', `${f.name} was not uploaded${offset > 0 ? ' (the part sent was moved to the trash)' : ''}: ${why}${done.length ? ` ${done.length} file(s) before it were uploaded.` : ''}`);
    }
    done.push(path);
  }
  return done;
}
