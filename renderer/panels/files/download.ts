import { READ_CHUNK_BYTES } from '../../../main/common/files';
import type { Services } from '../../platform/services';

/** Image types the viewer shows, by extension. */
export const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', svg: 'image/svg+xml', ico: 'image/x-icon' };

/** The mime type to give a file's bytes. */
export function mimeFor(path: string): string {
  return IMAGE_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** Reads a whole file through the contract, in chunks, reporting progress (0..1). */
export async function readFileBlob(services: Services, path: string, progress?: (done: number) => void): Promise<Blob> {
  const parts: BlobPart[] = [];
  let offset = 0;
  for (;;) {
    const { base64, size } = await services.files.readBytes(path, offset, READ_CHUNK_BYTES);
    const bin = atob(base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    parts.push(bytes);
    offset += bytes.length;
    progress?.(size ? offset / size : 1);
    if (!bytes.length || offset >= size) break;
  }
  return new Blob(parts, { type: mimeFor(path) });
}

/** Saves a workspace file to the user's downloads, as the browser saves any download. */
export async function downloadFile(services: Services, path: string, progress?: (done: number) => void): Promise<void> {
  const url = URL.createObjectURL(await readFileBlob(services, path, progress));
  const a = document.createElement('a');
  a.href = url;
  a.download = path.slice(path.lastIndexOf('/') + 1);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
