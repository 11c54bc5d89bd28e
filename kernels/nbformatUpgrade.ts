import { randomCellId } from '../main/common/notebooks';

/**
 * Upgrades an nbformat 3 notebook to nbformat 4 the way nbformat's own `v4.convert.upgrade` does, so an old notebook
 * opens for editing (as in JupyterLab) instead of being refused: the worksheets' cells become the cell list, `input`
 * becomes `source`, `prompt_number` becomes `execution_count`, heading cells become Markdown headings, html cells
 * Markdown, `pyout`/`pyerr` outputs `execute_result`/`error`, and short output keys (`png`, `text`…) mime types.
 * Saving then writes nbformat 4; the file on disk is unchanged until then.
 */
export function upgradeV3(nb: Record<string, unknown>): Record<string, unknown> {
  const cells: Record<string, unknown>[] = [];
  for (const ws of (nb.worksheets as { cells?: unknown[] }[] | undefined) ?? []) for (const c of ws?.cells ?? []) if (isObject(c)) cells.push(upgradeCell(c));
  const metadata = isObject(nb.metadata) ? { ...nb.metadata } : {};
  delete metadata.name;
  delete metadata.signature;
  const rest = { ...nb };
  delete rest.worksheets;
  // 4.5, with cell ids, as nbformat's upgrade writes today (a new cell then needs no other version).
  return { ...rest, nbformat: 4, nbformat_minor: 5, metadata, cells };
}

const MIME: Record<string, string> = {
  text: 'text/plain',
  html: 'text/html',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpeg: 'image/jpeg',
  latex: 'text/latex',
  javascript: 'application/javascript',
  json: 'application/json',
  pdf: 'application/pdf',
};

function upgradeCell(c: Record<string, unknown>): Record<string, unknown> {
  const cell: Record<string, unknown> = { id: randomCellId(), ...c, metadata: isObject(c.metadata) ? { ...c.metadata } : {} };
  const meta = cell.metadata as Record<string, unknown>;
  if (cell.cell_type === 'code') {
    delete cell.language;
    if ('collapsed' in cell) {
      meta.collapsed = cell.collapsed;
      delete cell.collapsed;
    }
    cell.source = cell.input ?? '';
    delete cell.input;
    cell.execution_count = typeof cell.prompt_number === 'number' ? cell.prompt_number : null;
    delete cell.prompt_number;
    cell.outputs = Array.isArray(cell.outputs) ? cell.outputs.filter(isObject).map(upgradeOutput) : [];
  } else if (cell.cell_type === 'heading') {
    const level = typeof cell.level === 'number' ? cell.level : 1;
    delete cell.level;
    const text = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
    cell.cell_type = 'markdown';
    cell.source = `${'#'.repeat(level)} ${text.split('\n').join(' ')}`;
  } else if (cell.cell_type === 'html') {
    cell.cell_type = 'markdown';
  }
  if (cell.source === undefined) cell.source = '';
  return cell;
}

function upgradeOutput(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  if (out.output_type === 'pyout') out.output_type = 'execute_result';
  if (out.output_type === 'pyerr') out.output_type = 'error';
  if (out.output_type === 'execute_result' || out.output_type === 'display_data') {
    if (out.output_type === 'execute_result') out.execution_count = typeof out.prompt_number === 'number' ? out.prompt_number : null;
    delete out.prompt_number;
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) {
      const mime = MIME[k] ?? (k.includes('/') ? k : undefined);
      if (!mime) continue;
      data[mime] = mime === 'application/json' && typeof v === 'string' ? safeJson(v) : v;
      delete out[k];
    }
    out.data = data;
    out.metadata = isObject(out.metadata) ? out.metadata : {};
  } else if (out.output_type === 'stream') {
    out.name = out.stream ?? 'stdout';
    delete out.stream;
    if (out.text === undefined) out.text = '';
  }
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
