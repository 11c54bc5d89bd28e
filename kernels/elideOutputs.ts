import { formatBytes } from '../main/common/format';
import { ELIDED_KEY, ELIDE_OUTPUT_CHARS, KEEP_OUTPUTS_CHARS, type ElidedOutput, type NotebookJson } from '../main/common/notebooks';

type Output = Record<string, unknown>;

/** Characters an nbformat output holds in its strings (what it weighs on the wire), without serialising it. */
export function weigh(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.reduce<number>((a, x) => a + weigh(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce<number>((a, x) => a + weigh(x), 0);
  return 8;
}

const text = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');

/** The small output that stands in for a big one in the editor. */
function standIn(o: Output, info: ElidedOutput): Output {
  const summary = `[${formatBytes(info.chars)} output (${info.kinds.join(', ')}), kept in the file unchanged]`;
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: text(o.text).slice(0, 100_000), [ELIDED_KEY]: info };
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: text(o.evalue).slice(0, 10_000), traceback: (Array.isArray(o.traceback) ? (o.traceback as string[]) : []).slice(-50).map((l) => l.slice(0, 2000)), [ELIDED_KEY]: info };
    case 'execute_result':
      return { output_type: 'execute_result', execution_count: o.execution_count ?? null, data: { 'text/plain': summary }, metadata: {}, [ELIDED_KEY]: info };
    default:
      return { output_type: 'display_data', data: { 'text/plain': summary }, metadata: {}, [ELIDED_KEY]: info };
  }
}

/**
 * Replaces a notebook's big outputs with stand-ins, in place, and returns the originals by id. Ids are stable for a
 * given file (cell id or index, output index, size), so opening it again maps to the same originals.
 */
export function elideOutputs(nb: NotebookJson): Map<string, Output> {
  const found: { cell: number; out: number; size: number; id: string }[] = [];
  let kept = 0;
  nb.cells.forEach((c, ci) => {
    if (!Array.isArray(c.outputs)) return;
    (c.outputs as Output[]).forEach((o, oi) => {
      const size = weigh(o);
      found.push({ cell: ci, out: oi, size, id: `${typeof c.id === 'string' ? c.id : `#${ci}`}:${oi}:${size}` });
      kept += size;
    });
  });
  const elide = new Set(found.filter((f) => f.size > ELIDE_OUTPUT_CHARS));
  for (const f of elide) kept -= f.size;
  for (const f of [...found].sort((a, b) => b.size - a.size)) {
    if (kept <= KEEP_OUTPUTS_CHARS) break;
    if (elide.has(f)) continue;
    elide.add(f);
    kept -= f.size;
  }
  const originals = new Map<string, Output>();
  for (const f of elide) {
    const outputs = nb.cells[f.cell]!.outputs as Output[];
    const o = outputs[f.out]!;
    const kinds = o.output_type === 'stream' ? [String(o.name)] : o.data && typeof o.data === 'object' ? Object.keys(o.data) : [String(o.output_type)];
    originals.set(f.id, o);
    outputs[f.out] = standIn(o, { id: f.id, chars: f.size, kinds });
  }
  return originals;
}

/**
 * Puts the originals back in place of stand-ins, in place. A stand-in whose original is unknown (the core restarted
 * since the notebook was opened) makes the save fail before anything is written.
 */
export function restoreOutputs(nb: NotebookJson, originals: Map<string, Output> | undefined, path: string): void {
  for (const c of nb.cells) {
    if (!Array.isArray(c.outputs)) continue;
    const outputs = c.outputs as Output[];
    outputs.forEach((o, i) => {
      const info = o[ELIDED_KEY] as ElidedOutput | undefined;
      if (!info) return;
      const original = originals?.get(info.id);
      if (!original) throw new Error(`${path}: a big output (${formatBytes(info.chars)}) was opened by an earlier Lathe core and is no longer at hand. Reopen the notebook and make the change again; the file was not written.`);
      outputs[i] = original;
    });
  }
}
