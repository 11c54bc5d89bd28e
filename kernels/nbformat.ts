import { AppError } from '../main/common/errors';
import type { NotebookJson } from '../main/common/notebooks';

/**
 * Serialises a notebook the way Python's nbformat writes it (json.dumps with sort_keys=True, indent=1,
 * ensure_ascii=False, and a final newline), so a canonical file round-trips byte for byte.
 */
export function serializeNotebook(nb: NotebookJson): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
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

/** A cell id as nbformat 4.5 wants it (1–64 of [a-zA-Z0-9-_]). */
export function randomCellId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}
