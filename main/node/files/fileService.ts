import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { AppError } from '../../common/errors';
import { Emitter, type IDisposable } from '../../common/event';
import { LIST_LIMIT, READ_LIMIT_BYTES, type FileEntry, type FolderChange, type FolderListing, type IFileService, type TextFile, type TrashedItem } from '../../common/files';
import { writeAtomic } from '../../base/node/atomicWrite';
import { lexists, resolveInside, toWorkspacePath } from '../../base/node/workspacePath';
import type { Logger } from '../../base/node/logger';

/** Names the explorer never lists, as VS Code's default `files.exclude`, plus Jupyter's checkpoints and Lathe's own temp files. */
const HIDDEN = new Set(['.git', '.hg', '.svn', '.DS_Store', 'Thumbs.db', '.ipynb_checkpoints']);
const TEMP_FILE = /\.lathe-[0-9a-f]{8}\.tmp$/;
/** At most this many folders are watched; the folder watched longest ago stops first (the explorer lists it again when shown). */
const MAX_WATCHED = 256;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The workspace's files for the explorer and the text editor. Every path is resolved inside the workspace (links
 * that leave it are refused, as for notebooks); deleting moves to a trash in the data dir so it can be undone.
 */
export class FileService implements IFileService, IDisposable {
  private readonly _onDidChange = new Emitter<FolderChange>();
  readonly onDidChange = this._onDidChange.event;
  private readonly watchers = new Map<string, { watcher: FSWatcher; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly config: { root: string; trashDir: string },
    private readonly log?: Logger,
  ) {}

  async list(path: string): Promise<FolderListing> {
    const abs = this.resolve(path);
    const rel = this.rel(abs);
    let dirents;
    try {
      dirents = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      throw this.fsError(err, rel, 'list');
    }
    const entries: FileEntry[] = [];
    let omitted = 0;
    for (const d of dirents) {
      if (HIDDEN.has(d.name) || TEMP_FILE.test(d.name)) continue;
      if (entries.length >= LIST_LIMIT) {
        omitted++;
        continue;
      }
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (d.isSymbolicLink()) entries.push({ name: d.name, path, kind: this.linkKind(path), link: true });
      else entries.push({ name: d.name, path, kind: d.isDirectory() ? 'dir' : 'file', link: false });
    }
    entries.sort((a, b) => (a.kind === 'dir' ? 0 : 1) - (b.kind === 'dir' ? 0 : 1) || collator.compare(a.name, b.name) || (a.name < b.name ? -1 : 1));
    this.watch(rel, abs);
    return { path: rel, absPath: abs, entries, omitted };
  }

  async unwatch(path: string): Promise<void> {
    const w = this.watchers.get(normalize(path));
    if (!w) return;
    clearTimeout(w.timer);
    w.watcher.close();
    this.watchers.delete(normalize(path));
  }

  async read(path: string): Promise<TextFile> {
    const abs = this.resolve(path);
    const rel = this.rel(abs);
    const st = this.stat(abs, rel);
    if (st.isDirectory()) throw new AppError('INVALID_ARGUMENT', `${rel} is a folder; open a file inside it.`);
    if (st.size > READ_LIMIT_BYTES)
      throw new AppError('FILE_TOO_LARGE', `${rel} is ${mib(st.size)}; the editor opens files up to ${mib(READ_LIMIT_BYTES)}. Open it in a terminal (less, head) or split it.`);
    const bytes = readFileSync(abs);
    if (bytes.subarray(0, 8192).includes(0)) throw new AppError('FILE_NOT_TEXT', `${rel} is a binary file (it holds NUL bytes), so the text editor cannot open it. Download it, or open it with the tool that made it.`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AppError('FILE_NOT_TEXT', `${rel} is not UTF-8 text, so the text editor cannot open it without changing it. Convert it first (iconv -f LATIN1 -t UTF-8 ${rel}).`);
    }
    return { path: rel, text, mtimeMs: st.mtimeMs, size: st.size };
  }

  async write(path: string, text: string, options: { expectedMtimeMs?: number; force?: boolean } = {}): Promise<{ mtimeMs: number; size: number }> {
    const abs = this.resolve(path);
    const rel = this.rel(abs);
    if (existsSync(abs)) {
      const st = statSync(abs);
      if (st.isDirectory()) throw new AppError('INVALID_ARGUMENT', `${rel} is a folder; a file cannot be saved over it.`);
      if (options.expectedMtimeMs !== undefined && !options.force && st.mtimeMs !== options.expectedMtimeMs)
        throw new AppError('FILE_CHANGED_ON_DISK', `${rel} changed on disk since it was opened. Reload it to see the change, or overwrite it with your version.`);
    }
    return writeAtomic(this.config.root, abs, text, false);
  }

  async create(path: string, kind: 'file' | 'dir'): Promise<FileEntry> {
    const abs = this.resolve(path);
    const rel = this.checkName(abs);
    if (lexists(abs)) throw new AppError('ALREADY_EXISTS', `${rel} already exists; choose another name.`);
    try {
      mkdirSync(dirname(abs), { recursive: true });
      if (kind === 'dir') mkdirSync(abs);
      else closeSync(openSync(abs, 'wx', 0o644));
    } catch (err) {
      throw this.fsError(err, rel, 'create');
    }
    return this.entry(abs);
  }

  async move(from: string, to: string): Promise<FileEntry> {
    const src = this.resolve(from);
    const dst = this.resolve(to);
    const srcRel = this.checkName(src);
    const dstRel = this.checkName(dst);
    if (!lexists(src)) throw new AppError('NOT_FOUND', `${srcRel} does not exist (it may have been moved or deleted meanwhile).`);
    if (src === dst) return this.entry(src);
    if (dst.startsWith(src + sep)) throw new AppError('INVALID_ARGUMENT', `${srcRel} cannot be moved into itself (${dstRel}).`);
    if (lexists(dst)) throw new AppError('ALREADY_EXISTS', `${dstRel} already exists; choose another name or move that one first.`);
    if (!existsSync(dirname(dst))) throw new AppError('NOT_FOUND', `The folder ${this.rel(dirname(dst)) || 'the workspace'} does not exist.`);
    this.relocate(src, dst, srcRel);
    return this.entry(dst);
  }

  async copy(from: string, to: string): Promise<FileEntry> {
    const src = this.resolve(from);
    const dst = this.resolve(to);
    const srcRel = this.checkName(src);
    const dstRel = this.checkName(dst);
    if (!lexists(src)) throw new AppError('NOT_FOUND', `${srcRel} does not exist.`);
    if (dst === src || dst.startsWith(src + sep)) throw new AppError('INVALID_ARGUMENT', `${srcRel} cannot be copied into itself.`);
    if (lexists(dst)) throw new AppError('ALREADY_EXISTS', `${dstRel} already exists; choose another name.`);
    try {
      // Links are copied as links (never followed), so a copy cannot pull in files from outside the workspace.
      cpSync(src, dst, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true });
    } catch (err) {
      throw this.fsError(err, srcRel, 'copy');
    }
    return this.entry(dst);
  }

  async trash(path: string): Promise<TrashedItem> {
    const abs = this.resolve(path);
    const rel = this.checkName(abs);
    if (!lexists(abs)) throw new AppError('NOT_FOUND', `${rel} does not exist (it may have been deleted already).`);
    const id = randomBytes(8).toString('hex');
    const dir = join(this.config.trashDir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const item: TrashedItem = { id, path: rel, kind: lstatSync(abs).isDirectory() ? 'dir' : 'file', deletedAt: new Date().toISOString() };
    writeFileSync(join(dir, 'item.json'), JSON.stringify(item));
    try {
      this.relocate(abs, join(dir, 'content'), rel);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    this.log?.info('moved to trash', { path: rel, id });
    return item;
  }

  async restore(id: string): Promise<FileEntry> {
    const dir = join(this.config.trashDir, id);
    let item: TrashedItem;
    try {
      item = JSON.parse(readFileSync(join(dir, 'item.json'), 'utf8')) as TrashedItem;
    } catch {
      throw new AppError('NOT_FOUND', `Nothing with id ${id} is in the trash (it was restored already, or the trash was emptied).`);
    }
    const abs = this.resolve(item.path);
    if (lexists(abs)) throw new AppError('ALREADY_EXISTS', `${item.path} exists again; rename or move it, then restore.`);
    mkdirSync(dirname(abs), { recursive: true });
    this.relocate(join(dir, 'content'), abs, item.path);
    rmSync(dir, { recursive: true, force: true });
    return this.entry(abs);
  }

  async readBytes(path: string, offset: number, length: number): Promise<{ base64: string; size: number }> {
    const abs = this.resolve(path);
    const rel = this.rel(abs);
    const st = this.stat(abs, rel);
    if (st.isDirectory()) throw new AppError('INVALID_ARGUMENT', `${rel} is a folder; name a file inside it.`);
    const fd = openSync(abs, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, st.size - offset)));
      let done = 0;
      while (done < buf.length) {
        const n = readSync(fd, buf, done, buf.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return { base64: buf.subarray(0, done).toString('base64'), size: st.size };
    } finally {
      closeSync(fd);
    }
  }

  async upload(path: string, base64: string, offset: number): Promise<{ size: number }> {
    const abs = this.resolve(path);
    const rel = this.checkName(abs);
    const bytes = Buffer.from(base64, 'base64');
    let fd: number;
    try {
      if (offset === 0) {
        mkdirSync(dirname(abs), { recursive: true });
        fd = openSync(abs, 'wx', 0o644);
      } else {
        const size = lexists(abs) ? lstatSync(abs).size : -1;
        if (size !== offset) throw new AppError('INVALID_ARGUMENT', `The upload of ${rel} is out of step: the file holds ${size < 0 ? 'nothing' : `${size} bytes`}, the chunk starts at ${offset}. Upload it again.`);
        fd = openSync(abs, 'a');
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('ALREADY_EXISTS', `${rel} already exists; rename it or upload under another name.`);
      throw this.fsError(err, rel, 'upload');
    }
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      closeSync(fd);
    }
    return { size: offset + bytes.length };
  }

  dispose(): void {
    for (const w of this.watchers.values()) {
      clearTimeout(w.timer);
      w.watcher.close();
    }
    this.watchers.clear();
    this._onDidChange.dispose();
  }

  private watch(rel: string, abs: string): void {
    const old = this.watchers.get(rel);
    if (old) {
      // Seen again: it becomes the most recently watched.
      this.watchers.delete(rel);
      this.watchers.set(rel, old);
      return;
    }
    if (this.watchers.size >= MAX_WATCHED) void this.unwatch(this.watchers.keys().next().value!);
    try {
      const entry: { watcher: FSWatcher; timer?: NodeJS.Timeout } = {
        watcher: watch(abs, { persistent: false }, () => {
          // Bursts (a checkout, an unzip) become one event per folder.
          entry.timer ??= setTimeout(() => {
            entry.timer = undefined;
            this._onDidChange.fire({ path: rel });
          }, 100);
        }),
      };
      entry.watcher.on('error', () => void this.unwatch(rel));
      this.watchers.set(rel, entry);
    } catch (err) {
      // Out of inotify watches: the listing still works, it just will not refresh by itself.
      this.log?.warn(`cannot watch ${rel || 'the workspace'}: ${(err as Error).message}`);
    }
  }

  /** Renames, or copies and removes where the two places are on different file systems. */
  private relocate(src: string, dst: string, rel: string): void {
    try {
      renameSync(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw this.fsError(err, rel, 'move');
      try {
        cpSync(src, dst, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true });
      } catch (e) {
        rmSync(dst, { recursive: true, force: true });
        throw this.fsError(e, rel, 'move');
      }
      rmSync(src, { recursive: true, force: true });
    }
  }

  private resolve(path: string): string {
    return resolveInside(this.config.root, normalize(path));
  }

  private rel(abs: string): string {
    return toWorkspacePath(this.config.root, abs);
  }

  /** The workspace path of a target that must not be the workspace itself, with a usable last name. */
  private checkName(abs: string): string {
    const rel = this.rel(abs);
    if (!rel) throw new AppError('INVALID_ARGUMENT', 'That is the workspace folder itself; name a file or folder inside it.');
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (/[\u0000-\u001f]/.test(name)) throw new AppError('INVALID_ARGUMENT', `"${name.replace(/[\u0000-\u001f]/g, '?')}" holds a control character; file names may not.`);
    return rel;
  }

  private stat(abs: string, rel: string) {
    try {
      return statSync(abs);
    } catch (err) {
      throw this.fsError(err, rel, 'open');
    }
  }

  private entry(abs: string): FileEntry {
    const rel = this.rel(abs);
    const link = lstatSync(abs).isSymbolicLink();
    return { name: rel.slice(rel.lastIndexOf('/') + 1), path: rel, kind: link ? this.linkKind(rel) : statSync(abs).isDirectory() ? 'dir' : 'file', link };
  }

  private linkKind(rel: string): FileEntry['kind'] {
    try {
      return statSync(resolveInside(this.config.root, rel)).isDirectory() ? 'dir' : 'file';
    } catch {
      return 'broken';
    }
  }

  private fsError(err: unknown, rel: string, what: string): AppError {
    const code = (err as NodeJS.ErrnoException).code;
    const where = rel || 'the workspace';
    if (code === 'ENOENT') return new AppError('NOT_FOUND', `${where} does not exist (it may have been moved or deleted meanwhile).`);
    if (code === 'ENOTDIR') return new AppError('INVALID_ARGUMENT', `${where}: a part of this path is a file, not a folder.`);
    if (code === 'EEXIST') return new AppError('ALREADY_EXISTS', `${where} already exists; choose another name.`);
    if (code === 'EACCES' || code === 'EPERM') return new AppError('SAVE_FAILED', `No permission to ${what} ${where}. Check its owner and mode (ls -l).`);
    if (code === 'ENOSPC') return new AppError('SAVE_FAILED', `Cannot ${what} ${where}: the disk is full.`);
    if (code === 'EROFS') return new AppError('SAVE_FAILED', `Cannot ${what} ${where}: the file system is read-only.`);
    return new AppError('SAVE_FAILED', `Cannot ${what} ${where}: ${code ?? (err as Error).message}.`);
  }
}

/** Workspace paths as the UI sends them: forward slashes, no leading `./` or trailing slash. */
function normalize(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
