import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { AppError } from '../main/common/errors';
import type { INotebookFileService, NotebookJson, OpenedNotebook, SaveOptions } from '../main/common/notebooks';
import { elideOutputs, keptOriginal, serializeWithOriginals, type KeptOutput } from './elideOutputs';
import { emptyNotebook, parseNotebook, serializeNotebook } from './nbformat';
import { resolveInside, toWorkspacePath } from '../main/base/node/workspacePath';
import { removeLeftovers, writeAtomic } from '../main/base/node/atomicWrite';

/** Largest notebook file Lathe opens (big outputs are common; a runaway one should not take the core down). */
export const MAX_NOTEBOOK_BYTES = 1024 * 1024 * 1024;

/**
 * Notebook files under one workspace root: lossless reads, atomic writes, Jupyter-style checkpoints. Big outputs
 * stay here when a notebook opens (the editor gets stand-ins) and go back into the file on save.
 */
export class NotebookFileService implements INotebookFileService {
  /** Originals of elided outputs, by notebook (absolute path) and stand-in id. */
  private readonly stash = new Map<string, Map<string, KeptOutput>>();

  constructor(private readonly config: { root: string }) {}

  async open(path: string): Promise<OpenedNotebook> {
    const abs = this.notebookPath(path);
    removeLeftovers(abs);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new AppError('NOT_FOUND', `No notebook at ${path} in the workspace.`);
    }
    if (!st.isFile()) throw new AppError('NOTEBOOK_INVALID', `${path} is not a file.`);
    if (st.size > MAX_NOTEBOOK_BYTES) throw new AppError('NOTEBOOK_TOO_LARGE', `${path} is ${(st.size / 2 ** 30).toFixed(1)} GiB; Lathe opens notebooks up to 1 GiB. Clear its outputs with \`jupyter nbconvert --clear-output\`.`);
    const notes: { upgradedFrom?: number } = {};
    const content = parseNotebook(readFileSync(abs, 'utf8'), path, notes);
    const originals = elideOutputs(content);
    if (originals.size) this.stash.set(abs, new Map([...(this.stash.get(abs) ?? []), ...originals]));
    return { path: toWorkspacePath(this.config.root, abs), content, mtimeMs: st.mtimeMs, size: st.size, ...(notes.upgradedFrom ? { upgradedFrom: notes.upgradedFrom } : {}) };
  }

  async create(path: string): Promise<OpenedNotebook> {
    const abs = this.notebookPath(path);
    if (existsSync(abs)) throw new AppError('ALREADY_EXISTS', `${path} already exists; choose another name.`);
    const st = writeAtomic(this.config.root, abs, serializeNotebook(emptyNotebook()), true);
    return { path: toWorkspacePath(this.config.root, abs), content: emptyNotebook(), ...st };
  }

  async save(path: string, content: NotebookJson, options: SaveOptions = {}): Promise<{ mtimeMs: number; size: number }> {
    const abs = this.notebookPath(path);
    // Check the content the same way a read would, so a save never writes a file Lathe could not open again.
    const nb = parseNotebook(JSON.stringify(content), path);
    let text: string;
    try {
      text = serializeWithOriginals(nb, this.stash.get(abs), path);
    } catch (err) {
      throw new AppError('ELIDED_OUTPUT_MISSING', (err as Error).message);
    }
    if (options.expectedMtimeMs !== undefined && !options.force && existsSync(abs)) {
      const now = statSync(abs).mtimeMs;
      if (now !== options.expectedMtimeMs) {
        throw new AppError('FILE_CHANGED_ON_DISK', `${path} changed on disk after it was opened. Reload it to see the other change, or save again to overwrite it.`, { mtimeMs: now });
      }
    }
    return writeAtomic(this.config.root, abs, text, false);
  }

  async rename(from: string, to: string): Promise<void> {
    const a = this.notebookPath(from);
    const b = this.notebookPath(to);
    if (!existsSync(a)) throw new AppError('NOT_FOUND', `No notebook at ${from}.`);
    mkdirSync(dirname(b), { recursive: true });
    // link + unlink refuses to replace an existing file, where rename would silently overwrite it.
    try {
      linkSync(a, b);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('ALREADY_EXISTS', `${to} already exists; choose another name.`);
      throw err;
    }
    unlinkSync(a);
    const kept = this.stash.get(a);
    this.stash.delete(a);
    if (kept) this.stash.set(b, kept);
  }

  async output(path: string, id: string): Promise<Record<string, unknown>> {
    const k = this.stash.get(this.notebookPath(path))?.get(id);
    if (!k) throw new AppError('NOT_FOUND', `That output of ${path} is no longer at hand (the core restarted since the notebook was opened). Reopen the notebook.`);
    return keptOriginal(k);
  }

  async createCheckpoint(path: string): Promise<{ mtimeMs: number }> {
    const abs = this.notebookPath(path);
    if (!existsSync(abs)) throw new AppError('NOT_FOUND', `No notebook at ${path}.`);
    const cp = this.checkpointPath(path);
    try {
      mkdirSync(dirname(cp), { recursive: true });
    } catch (err) {
      throw new AppError('SAVE_FAILED', `Cannot make ${toWorkspacePath(this.config.root, dirname(cp))} for the checkpoint: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    // Written like a save (temp file, rename), so a link planted at the checkpoint's name is replaced, never followed.
    const { mtimeMs } = writeAtomic(this.config.root, cp, readFileSync(abs, 'utf8'), false);
    return { mtimeMs };
  }

  async restoreCheckpoint(path: string): Promise<OpenedNotebook> {
    const abs = this.notebookPath(path);
    const cp = this.checkpointPath(path);
    if (!existsSync(cp)) throw new AppError('NOT_FOUND', `${path} has no checkpoint yet.`);
    const text = readFileSync(cp, 'utf8');
    parseNotebook(text, `the checkpoint of ${path}`);
    writeAtomic(this.config.root, abs, text, false);
    return this.open(path);
  }

  /** `.ipynb_checkpoints/<name>-checkpoint.ipynb` beside the notebook, resolved inside the workspace like any path. */
  private checkpointPath(path: string): string {
    const rel = join(dirname(path), '.ipynb_checkpoints', `${basename(path, '.ipynb')}-checkpoint.ipynb`);
    return resolveInside(this.config.root, rel);
  }

  private notebookPath(path: string): string {
    if (extname(path) !== '.ipynb') throw new AppError('INVALID_ARGUMENT', `${path} is not a notebook: its name must end in .ipynb.`);
    return resolveInside(this.config.root, path);
  }
}
