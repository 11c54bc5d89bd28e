import { AppError } from '../main/common/errors';
import { randomCellId, type NotebookJson } from '../main/common/notebooks';

/**
 * Serialises a notebook the way Python's nbformat writes it (json.dumps with sort_keys=True, indent=1,
 * ensure_ascii=False, and a final newline), so a canonical file round-trips byte for byte.
 */
export function serializeNotebook(nb: NotebookJson): string {
  return JSON.stringify(sortKeys(splitLinesForWrite(nb)), null, 1) + '\n';
}

// Python's str.splitlines boundaries: nbformat stores multi-line strings as lists split there.
const LINE_END = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** `str.splitlines(True)`: the pieces keep their line ends; an empty string gives no pieces. */
export function splitLines(s: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(LINE_END)) {
    const end = m.index + m[0].length;
    out.push(s.slice(last, end));
    last = end;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

const SPLIT_NON_TEXT = new Set(['application/javascript', 'image/svg+xml']);

function splitBundle(data: unknown): void {
  if (!data || typeof data !== 'object') return;
  const d = data as Record<string, unknown>;
  for (const [k, v] of Object.entries(d)) if (typeof v === 'string' && (k.startsWith('text/') || SPLIT_NON_TEXT.has(k))) d[k] = splitLines(v);
}

/** A copy with nbformat v4's `split_lines` applied: source, stream text and text-like mime data as line lists. */
function splitLinesForWrite(nb: NotebookJson): NotebookJson {
  const copy = structuredClone(nb);
  for (const cell of copy.cells as Record<string, unknown>[]) {
    if (typeof cell.source === 'string') cell.source = splitLines(cell.source);
    for (const att of Object.values((cell.attachments as Record<string, unknown> | undefined) ?? {})) splitBundle(att);
    if (cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) continue;
    for (const out of cell.outputs as Record<string, unknown>[]) splitOutput(out);
  }
  return copy;
}

/** nbformat's split_lines on one output, in place. */
function splitOutput(out: Record<string, unknown>): void {
  if (out.output_type === 'execute_result' || out.output_type === 'display_data') splitBundle(out.data);
  else if (out.output_type === 'stream' && typeof out.text === 'string') out.text = splitLines(out.text);
}

/**
 * One output as serializeNotebook writes it inside a notebook (where outputs sit four levels deep): the text can
 * be spliced into a serialised notebook in place of a placeholder string.
 */
export function serializeOutput(out: Record<string, unknown>): string {
  const copy = structuredClone(out);
  splitOutput(copy);
  return JSON.stringify(sortKeys(copy), null, 1).replace(/\n/g, '\n    ');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

/** Parses and checks notebook text; `name` is used in messages. Unknown fields are kept as they are. */
export function parseNotebook(text: string, name: string): NotebookJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    if (/end of JSON input|Unterminated/i.test(msg) || !text.trim()) {
      throw new AppError('NOTEBOOK_TRUNCATED', `${name} ends early: it looks truncated (${msg}). It was not changed; restore it from a checkpoint or from version control.`);
    }
    const conflict = /^(<{7}|={7}|>{7})( |$)/m.exec(text);
    if (conflict) {
      const line = text.slice(0, conflict.index).split('\n').length;
      throw new AppError('NOTEBOOK_MERGE_CONFLICT', `${name} has git merge conflict markers (first at line ${line}). It was not changed; resolve the conflict (e.g. \`git checkout --ours/--theirs\` or nbdime) and open it again.`);
    }
    throw new AppError('NOTEBOOK_INVALID_JSON', `${name} is not valid JSON (${msg.replace(/ is not valid JSON$/, '')}${lineOf(text, msg)}). It was not changed; fix the JSON or restore it from a checkpoint.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AppError('NOTEBOOK_INVALID', `${name} is JSON but not a notebook (expected an object with "cells").`);
  const nb = json as Record<string, unknown>;
  if (nb.nbformat === 3 || (nb.worksheets && !nb.cells)) {
    throw new AppError('NOTEBOOK_NBFORMAT_3', `${name} is an nbformat 3 notebook, which Lathe does not edit. Convert it: \`jupyter nbconvert --to notebook --nbformat 4 ${name}\`.`);
  }
  if (nb.nbformat !== 4) throw new AppError('NOTEBOOK_UNSUPPORTED', `${name} has nbformat ${JSON.stringify(nb.nbformat)}; Lathe reads nbformat 4.`);
  if (!Array.isArray(nb.cells)) throw new AppError('NOTEBOOK_INVALID', `${name} has no "cells" list.`);
  nb.cells.forEach((c, i) => {
    const cell = c as Record<string, unknown>;
    if (typeof cell !== 'object' || cell === null || !['code', 'markdown', 'raw'].includes(cell.cell_type as string)) {
      throw new AppError('NOTEBOOK_INVALID', `${name}: cell ${i + 1} has cell_type ${JSON.stringify(cell?.cell_type)}; expected code, markdown or raw.`);
    }
    if (typeof cell.source !== 'string' && !(Array.isArray(cell.source) && cell.source.every((s) => typeof s === 'string'))) {
      throw new AppError('NOTEBOOK_INVALID', `${name}: cell ${i + 1} has no text "source".`);
    }
  });
  if (typeof nb.metadata !== 'object' || nb.metadata === null) nb.metadata = {};
  if (typeof nb.nbformat_minor !== 'number') nb.nbformat_minor = 5;
  return nb as NotebookJson;
}

function lineOf(text: string, msg: string): string {
  const m = /position (\d+)/.exec(msg);
  if (!m) return '';
  const pos = Number(m[1]);
  const line = text.slice(0, pos).split('\n').length;
  return ` (line ${line})`;
}

/** A new empty notebook (nbformat 4.5) for a Python kernel. */
export function emptyNotebook(): NotebookJson {
  return {
    cells: [{ cell_type: 'code', execution_count: null, id: randomCellId(), metadata: {}, outputs: [], source: [] }],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

