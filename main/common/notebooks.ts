import { z } from 'zod';
import { defineChannel } from './rpc';

/**
 * An nbformat 4 notebook as plain JSON. Lathe keeps every field it reads, known or not (cell ids, unknown
 * metadata, attachments, widget state, outputs it cannot render), so a save changes only what was edited.
 */
export type NotebookJson = {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Array<Record<string, unknown> & { cell_type: string; source: string | string[] }>;
} & Record<string, unknown>;

/** An opened notebook and the file state it was read from (for change-on-disk checks). */
export interface OpenedNotebook {
  /** Path relative to the workspace, with forward slashes. */
  path: string;
  content: NotebookJson;
  /** The file's modification time (ms) and size when read. */
  mtimeMs: number;
  size: number;
  /** Set when the file is in an older nbformat (3) and was upgraded on open: a save writes nbformat 4. */
  upgradedFrom?: number;
}

/**
 * Big outputs stay in the core when a notebook opens; the editor gets a small stand-in carrying this key, and a
 * save puts the original back, byte for byte. An output is left in the core when it holds more than
 * ELIDE_OUTPUT_CHARS, and further ones, biggest first, while the kept outputs hold more than KEEP_OUTPUTS_CHARS,
 * so an opened notebook (and each save sent back) stays well under the RPC frame limit.
 */
export const ELIDED_KEY = 'lathe_elided';
export const ELIDE_OUTPUT_CHARS = 1024 * 1024;
export const KEEP_OUTPUTS_CHARS = 8 * 1024 * 1024;

/** What a stand-in output says about the original it replaces. */
export interface ElidedOutput {
  /** The core's handle to the original (valid while the core runs). */
  id: string;
  /** Characters the original holds. */
  chars: number;
  /** Its mime types (rich outputs) or stream name. */
  kinds: string[];
}

/** Save options: `expectedMtimeMs` makes the save fail if the file changed on disk since; `force` overrides. */
export const SaveOptionsSchema = z.object({ expectedMtimeMs: z.number().optional(), force: z.boolean().optional() }).strict();
/** Save options. */
export type SaveOptions = z.infer<typeof SaveOptionsSchema>;

/** Notebook files in the workspace. */
export interface INotebookFileService {
  /** Reads and checks a notebook; bad files get a message that says what is wrong and how to fix it. */
  open(path: string): Promise<OpenedNotebook>;
  /** Creates a new empty notebook; refuses to overwrite. */
  create(path: string): Promise<OpenedNotebook>;
  /** Saves atomically (temp file + rename); returns the new file state. */
  save(path: string, content: NotebookJson, options?: SaveOptions): Promise<{ mtimeMs: number; size: number }>;
  /** Renames a notebook; refuses to overwrite. */
  rename(from: string, to: string): Promise<void>;
  /** Copies the file on disk to its checkpoint (.ipynb_checkpoints/NAME-checkpoint.ipynb, as Jupyter does). */
  createCheckpoint(path: string): Promise<{ mtimeMs: number }>;
  /** Replaces the notebook with its checkpoint. */
  restoreCheckpoint(path: string): Promise<OpenedNotebook>;
  /** The original of an output left in the core when the notebook was opened (to show it on request). */
  output(path: string, id: string): Promise<Record<string, unknown>>;
}

const RelPath = z.string().min(1).max(4096);
const NotebookSchema = z.looseObject({ nbformat: z.number(), nbformat_minor: z.number(), metadata: z.record(z.string(), z.unknown()), cells: z.array(z.looseObject({ cell_type: z.string(), source: z.union([z.string(), z.array(z.string())]) })) });

/** The notebook files channel's allowlist. */
export const NotebookFileChannel = defineChannel<INotebookFileService>({
  name: 'notebookFiles',
  methods: {
    open: [RelPath],
    create: [RelPath],
    save: [RelPath, NotebookSchema, SaveOptionsSchema.optional()],
    rename: [RelPath, RelPath],
    createCheckpoint: [RelPath],
    restoreCheckpoint: [RelPath],
    output: [RelPath, z.string().min(1).max(200)],
  },
  events: {},
});

/** A cell id as nbformat 4.5 wants it (1-64 of [a-zA-Z0-9-_]): 16 random hex characters. */
export function randomCellId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}
