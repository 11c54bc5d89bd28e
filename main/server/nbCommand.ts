import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../common/errors';
import { findJupyterServer } from '../../kernels/findJupyter';
import { JupyterServerSupervisor } from '../../kernels/jupyterServer';
import { KernelService } from '../../kernels/kernelService';
import { NotebookFileService } from '../../kernels/notebookFileService';
import { NotebookRunner, parseParam, type ParamValue } from '../../kernels/notebookRunner';
import { latheJupyterPath } from '../../kernels/kernelspecs';
import { resolveDataDir } from '../base/node/paths';

type Out = { log(s: string): void; error(s: string): void };

/** Usage of `lathe nb`. */
export const NB_USAGE = 'lathe nb run IN.ipynb [-o OUT.ipynb] [--kernel NAME] [-p key=value]... [--data-dir DIR]';

/**
 * `lathe nb run`: executes a notebook headless with the same kernel and file services the core uses, in
 * this process (no running core needed, so it fits CI pipelines). Paths are relative to the current folder. Kernels
 * are found where the core finds them: Jupyter's own kernelspecs and the env kernels Lathe registered in its data dir.
 * Exit code 0 when every cell ran, 1 when a cell failed (the executed notebook is still written).
 */
export async function nbCommand(args: string[], out: Out, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run') throw new AppError('USAGE', `unknown nb command "${sub ?? ''}"; usage: ${NB_USAGE}`);
  let input: string | undefined;
  let output: string | undefined;
  let kernel: string | undefined;
  let dataDir: string | undefined;
  const params: Record<string, ParamValue> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new AppError('USAGE', `${a} needs a value; usage: ${NB_USAGE}`);
      return v;
    };
    if (a === '-o' || a === '--output') output = value();
    else if (a === '--kernel' || a === '-k') kernel = value();
    else if (a === '--data-dir') dataDir = value();
    else if (a === '-p' || a === '--parameter') {
      const [k, v] = parseParam(value());
      params[k] = v;
    } else if (a.startsWith('-')) throw new AppError('USAGE', `unknown option ${a}; usage: ${NB_USAGE}`);
    else if (input === undefined) input = a;
    else throw new AppError('USAGE', `one input notebook only; usage: ${NB_USAGE}`);
  }
  if (!input) throw new AppError('USAGE', `no input notebook; usage: ${NB_USAGE}`);
  // The user's own CLI on the user's own files: any notebook they name runs, as with papermill. (Confinement to a
  // workspace guards the server's RPC, not this.) The file service and Jupyter are rooted at the folder that holds
  // the current one and both notebooks, so messages name paths from there and the kernel starts in the notebook's folder.
  const absIn = resolve(cwd, input);
  const absOut = output === undefined ? undefined : resolve(cwd, output);
  const ROOT = commonFolder([cwd, dirname(absIn), ...(absOut ? [dirname(absOut)] : [])]);
  const rel = (abs: string) => relative(ROOT, abs).split(sep).join('/');
  /** A path for messages, as the user would type it from here. */
  const shown = (r: string) => {
    const abs = resolve(ROOT, r);
    const fromCwd = relative(cwd, abs);
    return fromCwd.startsWith('..') ? abs : fromCwd;
  };

  const restoreConsole = quietKernelClient();
  const runtime = mkdtempSync(join(tmpdir(), 'lathe-nb-'));
  const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: runtime, rootDir: ROOT, jupyterPath: [latheJupyterPath(resolveDataDir(dataDir, env))] });
  const kernels = new KernelService(supervisor, { warn: (m) => out.error(`lathe nb: ${m}`) });
  try {
    const runner = new NotebookRunner(new NotebookFileService({ root: ROOT }), kernels);
    const result = await runner.run({
      input: rel(absIn),
      output: absOut === undefined ? undefined : rel(absOut),
      kernel,
      params,
      onProgress: (p) => out.error(`[${p.index}/${p.total}] ${p.source.split('\n')[0]!.slice(0, 70)}`),
    });
    if (result.ok) {
      out.log(`Ran ${result.cellsRun} code cell${result.cellsRun === 1 ? '' : 's'}; wrote ${shown(result.output)}`);
      return 0;
    }
    if (result.failed!.kernelDied) {
      out.error(`The kernel died while running cell ${result.failed!.cell} (its process exited; the cell may call os._exit, crash or run out of memory). The executed notebook, up to that cell, is in ${shown(result.output)}.`);
      return 1;
    }
    out.error(`Cell ${result.failed!.cell} failed: ${result.failed!.ename}: ${result.failed!.evalue}. The executed notebook, with the error, is in ${shown(result.output)}.`);
    return 1;
  } finally {
    await kernels.shutdownAll();
    rmSync(runtime, { recursive: true, force: true });
    restoreConsole();
  }
}

/**
 * @jupyterlab/services narrates its connections on the console ("Starting WebSocket: …", "Kernel: restarting",
 * "Connection lost, reconnecting…"). A command's output is its own progress and result lines, so for the length of
 * the run that chatter is dropped; anything else the library warns about still shows.
 */
function quietKernelClient(): () => void {
  const { debug, warn } = console;
  console.debug = () => undefined;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /^Connection lost, reconnecting/.test(args[0])) return;
    warn(...args);
  };
  return () => {
    console.debug = debug;
    console.warn = warn;
  };
}

/** The deepest folder that holds every one of these (absolute) folders. */
function commonFolder(dirs: string[]): string {
  const parts = dirs.map((d) => resolve(d).split(sep));
  const first = parts[0]!;
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}
