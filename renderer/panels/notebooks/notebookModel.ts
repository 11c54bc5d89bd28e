import { stripTransient, type KernelEvent, type NotebookOutput } from '../../../main/common/kernels';
import { randomCellId, type NotebookJson } from '../../../main/common/notebooks';

/** The kinds of cell; `unknown` is a cell type from a newer nbformat, kept exactly as read and never edited or run. */
export type CellType = 'code' | 'markdown' | 'raw' | 'unknown';

/** One cell as the editor holds it; `raw` is the cell as read, so unedited parts are saved unchanged. */
export interface CellModel {
  /** Stable React key (the nbformat id when there is one). */
  key: string;
  type: CellType;
  source: string;
  outputs: NotebookOutput[];
  executionCount: number | null;
  raw: Record<string, unknown>;
  /** True once outputs or execution count differ from `raw`. */
  outputsChanged: boolean;
  /** Set while the cell waits for or runs in the kernel. */
  state?: 'queued' | 'running';
  /** Set after clear_output(wait=True): the next output replaces the current ones. */
  clearOnNext?: boolean;
}

/** A notebook document in the editor. */
export interface NotebookDoc {
  cells: CellModel[];
  /** Everything in the file besides the cells, kept as read. */
  rest: Omit<NotebookJson, 'cells'>;
}

const joinSource = (s: unknown) => (Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '');
let nextKey = 1;

/** Builds the editor's document from a notebook file. */
export function fromJson(nb: NotebookJson): NotebookDoc {
  const { cells, ...rest } = nb;
  return {
    rest,
    cells: cells.map((raw) => ({
      key: typeof raw.id === 'string' ? raw.id : `k${nextKey++}`,
      type: ['code', 'markdown', 'raw'].includes(raw.cell_type) ? (raw.cell_type as CellType) : 'unknown',
      source: joinSource(raw.source),
      outputs: Array.isArray(raw.outputs) ? (raw.outputs as NotebookOutput[]).map(normalizeOutput) : [],
      executionCount: typeof raw.execution_count === 'number' ? raw.execution_count : null,
      raw,
      outputsChanged: false,
    })),
  };
}

/** Outputs in files store text as line lists; the editor works with strings. */
function normalizeOutput(o: NotebookOutput): NotebookOutput {
  if (o.output_type === 'stream') return { ...o, text: joinSource(o.text) };
  if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data) {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.data)) data[k] = Array.isArray(v) ? v.join('') : v;
    return { ...o, data };
  }
  if (o.output_type === 'error') return { ...o };
  return o;
}

/** Writes the document back as nbformat JSON; unedited cells come out exactly as they were read. */
export function toJson(doc: NotebookDoc): NotebookJson {
  const cells = doc.cells.map((c) => {
    if (c.type === 'unknown') return c.raw as NotebookJson['cells'][number];
    const out: Record<string, unknown> = { ...c.raw, cell_type: c.type };
    if (joinSource(c.raw.source) !== c.source || c.raw.cell_type !== c.type) out.source = c.source;
    if (c.type === 'code') {
      if (c.outputsChanged || c.raw.cell_type !== 'code') {
        out.outputs = c.outputs.map(stripTransient);
        out.execution_count = c.executionCount;
      }
      out.outputs ??= [];
      if (!('execution_count' in out)) out.execution_count = null;
    } else {
      delete out.outputs;
      delete out.execution_count;
    }
    return out as NotebookJson['cells'][number];
  });
  return { ...doc.rest, cells } as NotebookJson;
}


/** A new empty cell of the given type. */
export function newCell(type: CellType = 'code'): CellModel {
  const id = randomCellId();
  return { key: id, type, source: '', outputs: [], executionCount: null, raw: { cell_type: type, id, metadata: {}, source: '' }, outputsChanged: false };
}

/** Inserts a new cell at `index`. */
export function insertCell(doc: NotebookDoc, index: number, type: CellType = 'code'): NotebookDoc {
  const cells = [...doc.cells];
  cells.splice(Math.max(0, Math.min(index, cells.length)), 0, newCell(type));
  return { ...doc, cells };
}

/** Removes the cell at `index`, returning the new document and the removed cell (for undo). */
export function deleteCell(doc: NotebookDoc, index: number): [NotebookDoc, CellModel | undefined] {
  const cells = [...doc.cells];
  const [removed] = cells.splice(index, 1);
  return [{ ...doc, cells: cells.length ? cells : [newCell()] }, removed];
}

/** Puts a removed cell back at `index`. */
export function restoreCell(doc: NotebookDoc, index: number, cell: CellModel): NotebookDoc {
  const cells = [...doc.cells];
  cells.splice(Math.min(index, cells.length), 0, cell);
  return { ...doc, cells };
}

/** Moves a cell from one index to another. */
export function moveCell(doc: NotebookDoc, from: number, to: number): NotebookDoc {
  if (to < 0 || to >= doc.cells.length || from < 0 || from >= doc.cells.length || from === to) return doc;
  const cells = [...doc.cells];
  const [c] = cells.splice(from, 1);
  cells.splice(to, 0, c!);
  return { ...doc, cells };
}

/** Replaces one cell by key. */
export function updateCell(doc: NotebookDoc, key: string, f: (c: CellModel) => CellModel): NotebookDoc {
  return { ...doc, cells: doc.cells.map((c) => (c.key === key ? f(c) : c)) };
}

/** Changes a cell's type (M / Y), dropping outputs when it stops being code. */
export function convertCell(c: CellModel, type: CellType): CellModel {
  if (c.type === type) return c;
  return { ...c, type, outputs: type === 'code' ? c.outputs : [], executionCount: type === 'code' ? c.executionCount : null, outputsChanged: true };
}

/** Applies one kernel event to the cell it belongs to. */
export function applyKernelEvent(c: CellModel, e: KernelEvent): CellModel {
  switch (e.type) {
    case 'executeInput':
      // An execution starts: its outputs replace the old ones (this also keeps a replay from doubling them).
      return { ...c, executionCount: e.executionCount, outputs: [], outputsChanged: true, clearOnNext: false };
    case 'clearOutput':
      return e.wait ? { ...c, clearOnNext: true } : { ...c, outputs: [], outputsChanged: true, clearOnNext: false };
    case 'output': {
      const outputs = c.clearOnNext ? [] : [...c.outputs];
      const last = outputs.at(-1);
      if (e.output.output_type === 'stream' && last?.output_type === 'stream' && last.name === e.output.name) {
        outputs[outputs.length - 1] = { ...last, text: last.text + e.output.text };
      } else outputs.push(e.output);
      return { ...c, outputs, outputsChanged: true, clearOnNext: false };
    }
    case 'updateDisplay':
      return { ...c, outputs: c.outputs.map((o) => (o.output_type === 'display_data' && o.transient?.display_id === e.displayId ? e.output : o)), outputsChanged: true };
    default:
      return c;
  }
}
