import { z } from 'zod';
import type { Event } from './event';
import { defineChannel } from './rpc';

/** One entry of a workspace folder. */
export interface FileEntry {
  name: string;
  /** Path relative to the workspace, with forward slashes. */
  path: string;
  /** A link is reported as what it points to; a link that points nowhere (or outside the workspace) is `broken`. */
  kind: 'file' | 'dir' | 'broken';
  /** Whether the entry is a symbolic link. */
  link: boolean;
}

/** A folder's listing: folders first, then files, each in natural order (file2 before file10). */
export interface FolderListing {
  path: string;
  /** The folder's absolute path on the core's machine (for "Copy Path"). */
  absPath: string;
  entries: FileEntry[];
  /** Entries that were left out because the folder holds more than LIST_LIMIT. */
  omitted: number;
}

/** The most entries one listing returns; the rest are counted in `omitted`. */
export const LIST_LIMIT = 50_000;
/** The largest file `read` returns (Monaco stays responsive well beyond this, but a frame must fit the RPC limit). */
export const READ_LIMIT_BYTES = 12 * 1024 * 1024;
/** The most bytes one `readBytes` call returns (its base64 stays well under the RPC frame limit). */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** A text file as read, with the state it was read in (for change-on-disk checks on save). */
export interface TextFile {
  path: string;
  text: string;
  mtimeMs: number;
  size: number;
}

/** What was moved to the trash, so it can be put back. */
export interface TrashedItem {
  id: string;
  /** Where it was, relative to the workspace. */
  path: string;
  kind: 'file' | 'dir';
  deletedAt: string;
}

/** Something in a watched folder changed (created, removed, renamed or written). */
export interface FolderChange {
  /** The folder whose listing changed, relative to the workspace ('' for the root). */
  path: string;
}

/** Files and folders in the workspace: every path is resolved inside it, as for notebooks. */
export interface IFileService {
  /** Lists one folder ('' is the workspace root) and watches it until `unwatch` or the core stops. */
  list(path: string): Promise<FolderListing>;
  /** Stops watching a folder (the explorer collapsed it). */
  unwatch(path: string): Promise<void>;
  /** Reads a text file (UTF-8); a binary or too large file is refused saying so. */
  read(path: string): Promise<TextFile>;
  /** Writes a text file atomically; with `expectedMtimeMs` it refuses if the file changed on disk since. */
  write(path: string, text: string, options?: { expectedMtimeMs?: number; force?: boolean }): Promise<{ mtimeMs: number; size: number }>;
  /** Creates an empty file or a folder; refuses to overwrite. */
  create(path: string, kind: 'file' | 'dir'): Promise<FileEntry>;
  /** Moves or renames; refuses to overwrite and to move a folder into itself. */
  move(from: string, to: string): Promise<FileEntry>;
  /** Copies a file or folder; refuses to overwrite. */
  copy(from: string, to: string): Promise<FileEntry>;
  /** Moves a file or folder to Lathe's trash (in the data dir), from where `restore` puts it back. */
  trash(path: string): Promise<TrashedItem>;
  /** Puts a trashed item back where it was; refuses if something else is there now. */
  restore(id: string): Promise<FileEntry>;
  /** Reads up to READ_CHUNK_BYTES of any file (base64) from `offset`, with its total size: downloads and image views. */
  readBytes(path: string, offset: number, length: number): Promise<{ base64: string; size: number }>;
  /** Writes uploaded bytes (base64) to a new file, in chunks: `offset` 0 creates it (refusing to overwrite), later chunks append. */
  upload(path: string, base64: string, offset: number): Promise<{ size: number }>;
  /** Fires when a watched folder's listing changes. */
  readonly onDidChange: Event<FolderChange>;
}

const RelPath = z.string().max(4096);
const NonRoot = z.string().min(1).max(4096);

/** The files channel's allowlist. */
export const FileChannel = defineChannel<IFileService>({
  name: 'files',
  methods: {
    list: [RelPath],
    unwatch: [RelPath],
    read: [NonRoot],
    write: [NonRoot, z.string().max(READ_LIMIT_BYTES), z.object({ expectedMtimeMs: z.number().optional(), force: z.boolean().optional() }).strict().optional()],
    create: [NonRoot, z.enum(['file', 'dir'])],
    move: [NonRoot, NonRoot],
    copy: [NonRoot, NonRoot],
    trash: [NonRoot],
    restore: [z.string().regex(/^[0-9a-f]{16}$/, 'a trash id (16 hex digits)')],
    upload: [NonRoot, z.string().max(4 * 1024 * 1024), z.number().int().min(0)],
    readBytes: [NonRoot, z.number().int().min(0), z.number().int().min(1).max(READ_CHUNK_BYTES)],
  },
  events: { onDidChange: null },
});

/** The folder part of a workspace path ('' for a top-level entry). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last part of a workspace path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a folder and a name into a workspace path. */
export function joinPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}
