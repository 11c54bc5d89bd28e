import { upgradeV3 } from './nbformatUpgrade';
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
export function parseNotebook(text: string, name: string, notes?: { upgradedFrom?: number }): NotebookJson {
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
  let nb = json as Record<string, unknown>;
  if (nb.nbformat === 3 || (nb.worksheets && !nb.cells)) {
    // Upgraded on open, as JupyterLab and nbformat do; a save writes nbformat 4.
    nb = upgradeV3(nb);
    if (notes) notes.upgradedFrom = 3;
  }
  if (nb.nbformat !== 4) throw new AppError('NOTEBOOK_UNSUPPORTED', `${name} has nbformat ${JSON.stringify(nb.nbformat)}; Lathe reads nbformat 4.`);
  if (!Array.isArray(nb.cells)) throw new AppError('NOTEBOOK_INVALID', `${name} has no "cells" list.`);
  // A newer minor version may bring cell types this one does not know: such a cell is kept as it is (never edited or
  // run) and the rest of the notebook stays editable. In 4.0–4.5 an unknown type is an error, as nbformat says.
  const newerMinor = typeof nb.nbformat_minor === 'number' && nb.nbformat_minor > NBFORMAT_MINOR;
  nb.cells.forEach((c, i) => {
    const cell = c as Record<string, unknown>;
    if (typeof cell === 'object' && cell !== null && newerMinor && typeof cell.cell_type === 'string' && !KNOWN_CELL_TYPES.includes(cell.cell_type)) return;
    if (typeof cell !== 'object' || cell === null || !KNOWN_CELL_TYPES.includes(cell.cell_type as string)) {
      throw new AppError('NOTEBOOK_INVALID', `${name}: cell ${i + 1} has cell_type ${JSON.stringify(cell?.cell_type)}; expected code, markdown or raw.`);
    }
    if (typeof cell.source !== 'string' && !(Array.isArray(cell.source) && cell.source.every((s) => typeof s === 'string'))) {
      throw new AppError('NOTEBOOK_INVALID', `${name}: cell ${i + 1} has no text "source".`);
    }
  });
  if (nb.metadata === undefined) nb.metadata = {};
  if (nb.nbformat_minor === undefined) nb.nbformat_minor = 5;
  const problems = schemaProblems(nb);
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new AppError('NOTEBOOK_INVALID', `${name} does not follow the nbformat 4 schema: ${problems.slice(0, 5).join('; ')}${more}. Nothing was changed; fix these fields (\`jupyter nbconvert --to notebook --inplace\` repairs many) and try again.`);
  }
  return nb as NotebookJson;
}

const OUTPUT_TYPES = ['stream', 'display_data', 'execute_result', 'error'];
/** The cell types of nbformat 4.0–4.5, and the newest minor version this code knows. */
export const KNOWN_CELL_TYPES = ['code', 'markdown', 'raw'];
const NBFORMAT_MINOR = 5;
const kind = (v: unknown) => (v === undefined ? 'missing' : v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(JSON.stringify(v)).slice(0, 40)}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const isCount = (v: unknown) => v === null || (Number.isInteger(v) && (v as number) >= 0);

/**
 * Where a notebook breaks nbformat 4's schema (nbformat.v4.schema.json), in words: the fields Jupyter and Lathe rely
 * on, by path. Fields the schema leaves open (extra metadata keys) are not checked; they are kept as they are.
 */
export function schemaProblems(nb: Record<string, unknown>): string[] {
  const out: string[] = [];
  const bad = (where: string, want: string, v: unknown) => out.push(v === undefined ? `${where} is missing (it must be ${want})` : `${where} must be ${want}, not ${kind(v)}`);
  if (!isObject(nb.metadata)) bad('"metadata"', 'an object', nb.metadata);
  else {
    const ks = nb.metadata.kernelspec;
    if (ks !== undefined && !(isObject(ks) && typeof ks.name === 'string' && typeof ks.display_name === 'string')) bad('metadata.kernelspec', 'an object with "name" and "display_name" strings', ks);
    const li = nb.metadata.language_info;
    if (li !== undefined && !(isObject(li) && typeof li.name === 'string')) bad('metadata.language_info', 'an object with a "name" string', li);
  }
  if (!Number.isInteger(nb.nbformat_minor) || (nb.nbformat_minor as number) < 0) bad('"nbformat_minor"', 'a whole number', nb.nbformat_minor);
  (nb.cells as Record<string, unknown>[]).forEach((cell, i) => {
    if (!KNOWN_CELL_TYPES.includes(cell.cell_type as string)) return; // a newer minor's cell type: kept as it is
    const at = `cell ${i + 1} (${String(cell.cell_type)})`;
    if (cell.metadata !== undefined && !isObject(cell.metadata)) bad(`${at} "metadata"`, 'an object', cell.metadata);
    if (cell.id !== undefined && !(typeof cell.id === 'string' && /^[a-zA-Z0-9_-]{1,64}$/.test(cell.id))) bad(`${at} "id"`, '1 to 64 letters, digits, - or _', cell.id);
    if (cell.attachments !== undefined && !isObject(cell.attachments)) bad(`${at} "attachments"`, 'an object', cell.attachments);
    if (cell.cell_type !== 'code') {
      if (cell.outputs !== undefined) out.push(`${at} has "outputs", which only code cells have`);
      return;
    }
    if (cell.execution_count !== undefined && !isCount(cell.execution_count)) bad(`${at} "execution_count"`, 'a whole number or null', cell.execution_count);
    if (cell.outputs === undefined) return;
    if (!Array.isArray(cell.outputs)) return void bad(`${at} "outputs"`, 'a list', cell.outputs);
    cell.outputs.forEach((o: unknown, j: number) => {
      const w = `${at} output ${j + 1}`;
      if (!isObject(o) || !OUTPUT_TYPES.includes(o.output_type as string)) return void bad(`${w} "output_type"`, 'stream, display_data, execute_result or error', isObject(o) ? o.output_type : o);
      if (o.output_type === 'stream') {
        if (typeof o.name !== 'string') bad(`${w} "name"`, 'a string (stdout or stderr)', o.name);
        if (!isText(o.text)) bad(`${w} "text"`, 'a string or a list of strings', o.text);
      } else if (o.output_type === 'error') {
        if (typeof o.ename !== 'string') bad(`${w} "ename"`, 'a string', o.ename);
        if (typeof o.evalue !== 'string') bad(`${w} "evalue"`, 'a string', o.evalue);
        if (!(Array.isArray(o.traceback) && o.traceback.every((t) => typeof t === 'string'))) bad(`${w} "traceback"`, 'a list of strings', o.traceback);
      } else {
        if (!isObject(o.data)) bad(`${w} "data"`, 'an object of mime types', o.data);
        if (o.metadata !== undefined && !isObject(o.metadata)) bad(`${w} "metadata"`, 'an object', o.metadata);
        if (o.output_type === 'execute_result' && o.execution_count !== undefined && !isCount(o.execution_count)) bad(`${w} "execution_count"`, 'a whole number or null', o.execution_count);
      }
    });
  });
  return out;
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

