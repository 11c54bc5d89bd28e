import { randomBytes } from 'node:crypto';
import { formatBytes } from '../main/common/format';
import { serializeNotebook, serializeOutput } from './nbformat';
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
export function elideOutputs(nb: NotebookJson): Map<string, KeptOutput> {
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
  const originals = new Map<string, KeptOutput>();
  for (const f of elide) {
    const outputs = nb.cells[f.cell]!.outputs as Output[];
    const o = outputs[f.out]!;
    const kinds = o.output_type === 'stream' ? [String(o.name)] : o.data && typeof o.data === 'object' ? Object.keys(o.data) : [String(o.output_type)];
    originals.set(f.id, { original: o });
    outputs[f.out] = standIn(o, { id: f.id, chars: f.size, kinds });
  }
  return originals;
}

/** An elided output as the core keeps it: the parsed original until its first save, then only its serialised text. */
export interface KeptOutput {
  original?: Output;
  text?: string;
}

/** The original output (parsed again from its text after a save dropped the object). */
export function keptOriginal(k: KeptOutput): Output {
  return k.original ?? (JSON.parse(k.text!) as Output);
}

const NONCE = randomBytes(8).toString('hex');

/**
 * Serialises a notebook whose big outputs are stand-ins, writing each original in its place: the originals are
 * serialised once and spliced in as text, so saving a notebook with a 200 MB output costs one copy, not a rebuild.
 * A stand-in whose original is unknown (the core restarted since the notebook was opened) fails before anything is
 * written.
 */
export function serializeWithOriginals(nb: NotebookJson, kept: Map<string, KeptOutput> | undefined, path: string): string {
  const splices = new Map<string, string>();
  for (const c of nb.cells) {
    if (!Array.isArray(c.outputs)) continue;
    const outputs = c.outputs as unknown[];
    outputs.forEach((o, i) => {
      const info = (o as Output)[ELIDED_KEY] as ElidedOutput | undefined;
      if (!info) return;
      const k = kept?.get(info.id);
      if (!k) throw new Error(`${path}: a big output (${formatBytes(info.chars)}) was opened by an earlier Lathe core and is no longer at hand. Reopen the notebook and make the change again; the file was not written.`);
      if (k.text === undefined) {
        k.text = serializeOutput(k.original!);
        k.original = undefined;
      }
      const placeholder = `lathe-elided-${NONCE}-${splices.size}`;
      splices.set(`"${placeholder}"`, k.text);
      outputs[i] = placeholder;
    });
  }
  const text = serializeNotebook(nb);
  if (!splices.size) return text;
  return text.replace(new RegExp(`"lathe-elided-${NONCE}-\\d+"`, 'g'), (m) => splices.get(m)!);
}
