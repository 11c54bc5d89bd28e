import { AppError, isAppError } from '../main/common/errors';
import { stripTransient, type IKernelService, type KernelEvent, type NotebookOutput } from '../main/common/kernels';
import { randomCellId, type INotebookFileService, type NotebookJson } from '../main/common/notebooks';

/** A parameter value as given on the command line, already typed. */
export type ParamValue = string | number | boolean | null;

/** What a headless run should do. */
export interface RunOptions {
  input: string;
  /** Where to write the executed notebook (default: over the input). */
  output?: string;
  /** Kernelspec name (default: the notebook's, else python3). */
  kernel?: string;
  params?: Record<string, ParamValue>;
  /** Called before each code cell runs, for progress. */
  onProgress?: (e: { index: number; total: number; source: string }) => void;
}

/** How a run ended. */
export interface RunResult {
  ok: boolean;
  output: string;
  cellsRun: number;
  /** The first failing cell (1-based among all cells) and its error. */
  failed?: { cell: number; ename: string; evalue: string; /** The kernel process died in this cell (no Python error to show). */ kernelDied?: boolean };
}

/**
 * Parses `key=value` into a typed parameter the way papermill's `-p` does: integers, floats, True/False,
 * None, else a string.
 */
export function parseParam(arg: string): [string, ParamValue] {
  const i = arg.indexOf('=');
  const key = i > 0 ? arg.slice(0, i) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new AppError('USAGE', `-p takes NAME=VALUE with a Python name, not "${arg}".`);
  const raw = arg.slice(i + 1);
  if (/^[-+]?\d+$/.test(raw)) return [key, Number(raw)];
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(raw) && Number.isFinite(Number(raw))) return [key, Number(raw)];
  if (raw === 'True' || raw === 'true') return [key, true];
  if (raw === 'False' || raw === 'false') return [key, false];
  if (raw === 'None') return [key, null];
  return [key, raw];
}

/** Python source that assigns the parameters (JSON string literals are valid Python string literals). */
export function parametersSource(params: Record<string, ParamValue>): string {
  const lit = (v: ParamValue) => (v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(v)) : JSON.stringify(v));
  return ['# Parameters', ...Object.entries(params).map(([k, v]) => `${k} = ${lit(v)}`)].join('\n') + '\n';
}

const tagsOf = (cell: Record<string, unknown>) => ((cell.metadata as { tags?: unknown } | undefined)?.tags as string[] | undefined) ?? [];

/**
 * Runs a notebook headless through the same kernel and file services the UI uses: parameters go into a new
 * cell tagged `injected-parameters` after the cell tagged `parameters` (papermill's convention), code cells
 * run in order, outputs and execution counts are written back, and the run stops at the first error — the
 * executed notebook is written either way, so the failure can be read in it.
 */
export class NotebookRunner {
  constructor(
    private readonly files: INotebookFileService,
    private readonly kernels: IKernelService,
  ) {}

  async run(o: RunOptions): Promise<RunResult> {
    const opened = await this.files.open(o.input);
    const nb = structuredClone(opened.content) as NotebookJson;
    if (o.params && Object.keys(o.params).length) this.injectParameters(nb, o.params);
    const spec = o.kernel ?? ((nb.metadata.kernelspec as { name?: string } | undefined)?.name || 'python3');
    const kernel = await this.kernels.start({ spec, path: o.input });
    const output = o.output ?? o.input;
    let current: { outputs: NotebookOutput[]; clearOnNext: boolean } | undefined;
    const sub = this.kernels.onDidKernelEvent({ kernelId: kernel.id })((e) => current && collect(current, e));
    const code = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === 'code');
    const result: RunResult = { ok: true, output, cellsRun: 0 };
    try {
      for (const [n, [cell, index]] of code.entries()) {
        const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
        o.onProgress?.({ index: n + 1, total: code.length, source });
        current = { outputs: [], clearOnNext: false };
        let r;
        try {
          r = await this.kernels.execute(kernel.id, { execId: `run-${index}`, code: source, stopOnError: true });
        } catch (err) {
          if (!isAppError(err, 'KERNEL_DIED')) throw err;
          // The kernel died in this cell: keep what it printed before, and stop here.
          await new Promise((res) => setTimeout(res, 20));
          cell.outputs = current.outputs.map(stripTransient);
          result.ok = false;
          result.cellsRun++;
          result.failed = { cell: index + 1, ename: 'KernelDied', evalue: 'the kernel died while running this cell', kernelDied: true };
          break;
        }
        await new Promise((res) => setTimeout(res, 20)); // Let trailing IOPub messages land.
        cell.outputs = current.outputs.map(stripTransient);
        cell.execution_count = r.executionCount;
        result.cellsRun++;
        if (r.status !== 'ok') {
          result.ok = false;
          result.failed = { cell: index + 1, ename: r.ename ?? r.status, evalue: r.evalue ?? '' };
          break;
        }
      }
    } finally {
      sub.dispose();
      current = undefined;
      await this.kernels.shutdown(kernel.id).catch(() => undefined);
    }
    await this.files.save(output, nb, { force: true });
    return result;
  }

  private injectParameters(nb: NotebookJson, params: Record<string, ParamValue>): void {
    // A rerun replaces the earlier injected cell instead of stacking another.
    nb.cells = nb.cells.filter((c) => !tagsOf(c).includes('injected-parameters'));
    const at = nb.cells.findIndex((c) => tagsOf(c).includes('parameters'));
    const cell = { cell_type: 'code', execution_count: null, id: randomCellId(), metadata: { tags: ['injected-parameters'] }, outputs: [], source: parametersSource(params) };
    nb.cells.splice(at + 1, 0, cell);
  }
}

function collect(cur: { outputs: NotebookOutput[]; clearOnNext: boolean }, e: KernelEvent): void {
  if (e.type === 'clearOutput') {
    if (e.wait) cur.clearOnNext = true;
    else cur.outputs = [];
  } else if (e.type === 'output') {
    if (cur.clearOnNext) {
      cur.outputs = [];
      cur.clearOnNext = false;
    }
    const last = cur.outputs.at(-1);
    // Consecutive stream chunks of the same name merge, as Jupyter front ends store them.
    if (e.output.output_type === 'stream' && last?.output_type === 'stream' && last.name === e.output.name) last.text += e.output.text;
    else cur.outputs.push(structuredClone(e.output));
  } else if (e.type === 'updateDisplay') {
    for (const [i, out] of cur.outputs.entries()) {
      if (out.output_type === 'display_data' && out.transient?.display_id === e.displayId) cur.outputs[i] = { ...e.output };
    }
  }
}

