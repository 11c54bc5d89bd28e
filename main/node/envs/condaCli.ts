import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { AppError, BugError, ErrorCode } from '../../common/errors';
import type { CondaTool, EnvPlan, PlannedPackage } from '../../common/envs';
import { channelName } from './condaMeta';

/** The tool that runs a change. */
export interface ToolRef {
  tool: CondaTool;
  exe: string;
  version?: string;
}

/**
 * conda and mamba 1 share conda's command line; micromamba and mamba 2 (built on libmamba) share another:
 * no `env create`/`rename`/`--revision`, `-f` on `create` for environment.yml and explicit files.
 */
export type Flavour = 'conda' | 'libmamba';

/** Which command line a tool speaks. */
export function flavourOf(t: ToolRef): Flavour {
  if (t.tool === 'micromamba') return 'libmamba';
  if (t.tool === 'mamba' && t.version && Number.parseInt(t.version, 10) >= 2) return 'libmamba';
  return 'conda';
}

function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (version ?? '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  return a > major || (a === major && b >= minor);
}

/** Where an operation acts: an existing env by prefix, or a new one by name or prefix. */
export type Where = { prefix: string } | { name: string };

/** One tool invocation, already resolved to prefixes and files by the service. */
export type ToolStep =
  | { kind: 'create'; target: Where; packages: string[]; /** An environment.yml's own channels, before the settings' ones. */ channels?: string[] }
  | { kind: 'createExplicit'; target: Where; file: string }
  | { kind: 'createFromFile'; target?: Where; file: string }
  | { kind: 'clone'; source: string; target: Where }
  | { kind: 'rename'; prefix: string; newName: string }
  | { kind: 'removeEnv'; prefix: string }
  | { kind: 'install' | 'update' | 'uninstall'; prefix: string; packages: string[] }
  | { kind: 'rollback'; prefix: string; revision: number };

/** Channel and network switches shared by every step. */
export interface StepOptions {
  dryRun?: boolean;
  channels?: string[];
  overrideChannels?: boolean;
  offline?: boolean;
}

const whereArgs = (w: Where): string[] => ('prefix' in w ? ['-p', w.prefix] : ['-n', w.name]);

/** The argv (after the executable) for a step, in the tool's own dialect. */
export function buildArgs(t: ToolRef, step: ToolStep, o: StepOptions = {}): string[] {
  const f = flavourOf(t);
  const chan = [...(o.channels ?? []).flatMap((c) => ['-c', c]), ...(o.overrideChannels ? ['--override-channels'] : [])];
  const net = o.offline ? ['--offline'] : [];
  const dry = o.dryRun ? ['--dry-run'] : [];
  switch (step.kind) {
    case 'create':
      return ['create', '--yes', '--json', ...dry, ...whereArgs(step.target), ...(step.channels ?? []).filter((c) => c !== 'nodefaults').flatMap((c) => ['-c', c]), ...(step.channels?.includes('nodefaults') ? ['--override-channels'] : []), ...chan, ...net, ...step.packages];
    case 'createExplicit':
      // An explicit list is not solved: conda and micromamba link exactly those packages (no channels apply).
      if (o.dryRun) throw new BugError('an explicit file is planned from its own list');
      return ['create', '--yes', '--json', ...whereArgs(step.target), ...net, f === 'libmamba' ? '-f' : '--file', step.file];
    case 'createFromFile':
      if (f === 'libmamba') return ['create', '--yes', '--json', ...dry, ...(step.target ? whereArgs(step.target) : []), ...chan, ...net, '-f', step.file];
      if (o.dryRun) throw new BugError('a conda environment.yml dry run is planned as a create');
      return ['env', 'create', '--json', ...(step.target ? whereArgs(step.target) : []), ...net, '-f', step.file];
    case 'clone':
      if (f === 'libmamba') throw new BugError('libmamba clones go through an explicit file');
      return ['create', '--yes', '--json', ...dry, ...whereArgs(step.target), ...net, '--clone', step.source];
    case 'rename':
      if (f === 'libmamba') throw new BugError('libmamba renames go through clone and remove');
      return ['rename', '--json', ...dry, '-p', step.prefix, step.newName];
    case 'removeEnv':
      if (f === 'libmamba') return ['env', 'remove', '--yes', '--json', ...dry, '-p', step.prefix];
      // conda < 23.9's `env remove` has no --yes (it never asked); newer ones ask unless given it.
      return ['env', 'remove', '--json', ...(atLeast(t.version, 23, 9) ? ['--yes'] : []), ...dry, '-p', step.prefix];
    case 'install':
    case 'update':
      return [step.kind, '--yes', '--json', ...dry, '-p', step.prefix, ...chan, ...net, ...step.packages];
    case 'uninstall':
      return ['remove', '--yes', '--json', ...dry, '-p', step.prefix, ...chan, ...net, ...step.packages];
    case 'rollback':
      if (f === 'libmamba') throw new AppError('UNSUPPORTED', `${basename(t.exe)} cannot roll back to a revision (only conda and mamba 1 have --revision). Pick a conda installation as the default tool to roll back.`);
      return ['install', '--yes', '--json', ...dry, '-p', step.prefix, ...net, '--revision', String(step.revision)];
  }
}

/** What a finished tool run printed. */
export interface ToolOutput {
  /** The final JSON document, when the tool printed one. */
  json?: Record<string, unknown>;
  /** Everything on stdout that was not a progress record or the final JSON (conda env remove prints text). */
  text: string;
}

/** Progress seen while the tool runs. */
export type ToolProgress = { kind: 'fetch'; text: string; fraction?: number } | { kind: 'log'; text: string };

/**
 * Runs a tool and parses its `--json` output. conda streams NUL-separated progress records
 * (`{"fetch":…,"finished":false}\n\0`) before the final JSON; micromamba draws progress on stderr.
 * Exit 1 carries a JSON error with `exception_name`, turned into an AppError that says what to do.
 * Aborting the signal sends SIGINT (conda rolls back cleanly on it), then SIGTERM, then SIGKILL.
 */
export function runTool(t: ToolRef, args: string[], options: { signal?: AbortSignal; onProgress?: (p: ToolProgress) => void; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AppError(ErrorCode.Cancelled, 'The operation was cancelled.'));
      return;
    }
    const child = spawn(t.exe, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let text = '';
    let stderrTail = '';
    let stderrLine = '';
    const records: string[] = [];
    // conda 23.7 repeats a download's last record (finished false, then true, then again): one completion each.
    const fetched = new Set<string>();
    const onRecord = (chunk: string) => {
      const s = chunk.trim();
      if (!s) return;
      try {
        const j = JSON.parse(s) as { fetch?: string; progress?: number; finished?: boolean };
        if (typeof j.fetch === 'string') {
          if (fetched.has(j.fetch)) return;
          const fraction = j.finished ? 1 : typeof j.progress === 'number' ? Math.min(1, j.progress) : undefined;
          if (fraction === 1) fetched.add(j.fetch);
          options.onProgress?.({ kind: 'fetch', text: j.fetch, fraction });
          return;
        }
      } catch {
        // Not a progress record: keep it as output.
      }
      records.push(s);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      pending += d;
      let i = pending.indexOf('\0');
      while (i >= 0) {
        onRecord(pending.slice(0, i));
        pending = pending.slice(i + 1);
        i = pending.indexOf('\0');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-8000);
      stderrLine += d;
      const lines = stderrLine.split(/[\r\n]/);
      stderrLine = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) options.onProgress?.({ kind: 'log', text: l.trimEnd() });
    });
    const timers: NodeJS.Timeout[] = [];
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGINT');
      timers.push(setTimeout(() => child.kill('SIGTERM'), 5000), setTimeout(() => child.kill('SIGKILL'), 10_000));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        err.code === 'ENOENT' || err.code === 'EACCES'
          ? new AppError('CONDA_NOT_FOUND', `Cannot run ${t.exe} (${err.code}). Install conda, mamba or micromamba, or pick another installation in Environments.`)
          : new AppError('CONDA_FAILED', `Cannot run ${t.exe}: ${err.message}`),
      );
    });
    child.on('close', (code, signal) => {
      for (const tm of timers) clearTimeout(tm);
      options.signal?.removeEventListener('abort', onAbort);
      if (stderrLine.trim()) options.onProgress?.({ kind: 'log', text: stderrLine.trimEnd() });
      onRecord(pending);
      let json: Record<string, unknown> | undefined;
      const rest: string[] = [];
      for (const r of records) {
        try {
          const j = JSON.parse(r) as unknown;
          if (j && typeof j === 'object' && !Array.isArray(j)) json = j as Record<string, unknown>;
          else rest.push(r);
        } catch {
          // conda sometimes prints text before the JSON in the same record: take the last JSON object in it.
          const at = r.lastIndexOf('\n{');
          const tail = at >= 0 ? r.slice(at + 1) : undefined;
          try {
            if (tail) json = JSON.parse(tail) as Record<string, unknown>;
            rest.push(at >= 0 ? r.slice(0, at) : r);
          } catch {
            rest.push(r);
          }
        }
      }
      text = rest.join('\n');
      if (cancelled) {
        reject(new AppError(ErrorCode.Cancelled, `Cancelled: ${basename(t.exe)} ${args[0]} was stopped${signal ? ` (${signal})` : ''}; conda rolls back a change it had not finished.`));
        return;
      }
      if (code !== 0 || json?.success === false || (json && 'exception_name' in json)) {
        reject(toolError(t, args, code, json, text, stderrTail));
        return;
      }
      resolve({ json, text });
    });
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Turns a tool failure into an error that says what went wrong in plain words and what to do. */
export function toolError(t: ToolRef, args: string[], code: number | null, json: Record<string, unknown> | undefined, text: string, stderr: string): AppError {
  const tool = basename(t.exe);
  const what = `${tool} ${args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}`;
  const name = str(json?.exception_name) ?? '';
  const raw = (str(json?.message) ?? str(json?.error) ?? (stderr.trim() || text.trim())).trim();
  if (/Unsatisfiable/.test(name) || /could not be solved|unsatisfiable|conflict/i.test(name ? '' : raw)) {
    const list = Array.isArray(json?.unsatisfiable) ? (json.unsatisfiable as unknown[]).map((x) => (Array.isArray(x) ? x.join(' → ') : String(x))) : [];
    const detail = list.length ? list.join('; ') : firstLines(raw, 8);
    return new AppError('ENV_CONFLICT', `The requested packages cannot be installed together: ${detail}. Loosen a version pin, drop one of them, or add a channel that has compatible builds.`, { tool, exception: name || undefined, unsatisfiable: list, output: firstLines(raw, 40) });
  }
  if (/PackagesNotFound/.test(name)) {
    const pkgs = Array.isArray(json?.packages) ? (json.packages as unknown[]).map(String) : [];
    const chans = Array.isArray(json?.channel_urls) ? [...new Set((json.channel_urls as unknown[]).map((c) => channelName(String(c))))] : [];
    return new AppError(
      'ENV_PACKAGES_NOT_FOUND',
      `Not found${chans.length ? ` in ${chans.join(', ')}` : ''}: ${pkgs.join(', ') || firstLines(raw, 3)}. Check the spelling, add a channel that has ${pkgs.length === 1 ? 'it' : 'them'} in Settings → Environments, or turn offline mode off.`,
      { tool, packages: pkgs, channels: chans },
    );
  }
  if (/EnvironmentLocationNotFound|DirectoryNotACondaEnvironment/.test(name)) {
    return new AppError('ENV_NOT_FOUND', `${tool} says: ${firstLines(raw, 3)}. Refresh the env list; the env may have been removed.`, { tool, exception: name });
  }
  if (/CondaValueError|ArgumentError|CondaEnvException|SpecNotFound/.test(name) && /already exists/i.test(raw)) {
    return new AppError('ENV_EXISTS', `${firstLines(raw, 2)}. Pick another name, or remove that env first.`, { tool });
  }
  return new AppError('CONDA_FAILED', `${what} failed (exit ${code ?? 'signal'}${name ? `, ${name}` : ''}): ${firstLines(raw, 6) || 'no message'}`, { tool, exception: name || undefined, output: firstLines(raw, 40) });
}

function firstLines(s: string, n: number): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join(' ');
}

type Action = { name: string; version: string; build: string; channel?: string };

function toAction(x: unknown): Action | undefined {
  if (typeof x === 'string') {
    // Old conda: "conda-forge::numpy-1.26.4-py311h_0" or "numpy-1.26.4-py311h_0".
    const [chan, dist] = x.includes('::') ? (x.split('::') as [string, string]) : [undefined, x];
    const parts = dist.split('-');
    if (parts.length < 3) return undefined;
    const build = parts.pop()!;
    const version = parts.pop()!;
    return { name: parts.join('-'), version, build, channel: chan };
  }
  if (!x || typeof x !== 'object') return undefined;
  const o = x as Record<string, unknown>;
  const name = str(o.name);
  const version = str(o.version);
  if (!name || !version) return undefined;
  return { name, version, build: str(o.build_string) ?? str(o.build) ?? '', channel: channelName(str(o.channel), str(o.base_url) ?? str(o.url)) };
}

/** Compares conda versions well enough to call a change an upgrade or a downgrade. */
export function compareVersions(a: string, b: string): number {
  const seg = (v: string) => v.toLowerCase().replace(/^\d+!/, '').split(/[._+-]/).flatMap((p) => p.match(/\d+|[a-z]+/g) ?? []);
  const x = seg(a);
  const y = seg(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === q) continue;
    if (p === undefined) return /^\d/.test(q!) ? -1 : 1; // 1.0 < 1.0.1, but 1.0 > 1.0rc1
    if (q === undefined) return /^\d/.test(p) ? 1 : -1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q) || p.localeCompare(q);
    if (pn !== qn) return pn ? 1 : -1; // a release beats a pre-release tag
    return p.localeCompare(q);
  }
  return 0;
}

/** Groups a dry run's LINK/UNLINK actions into installs, removals, upgrades, downgrades and changes. */
export function planFromOutput(json: Record<string, unknown> | undefined, text = ''): EnvPlan {
  const acts = json?.actions;
  const list = Array.isArray(acts) ? acts : acts ? [acts] : [];
  const link = new Map<string, Action>();
  const unlink = new Map<string, Action>();
  let prefix = str(json?.prefix);
  for (const a of list as Record<string, unknown>[]) {
    prefix ??= str(a.PREFIX);
    for (const x of Array.isArray(a.LINK) ? a.LINK : []) {
      const p = toAction(x);
      if (p) link.set(p.name, p);
    }
    for (const x of Array.isArray(a.UNLINK) ? a.UNLINK : []) {
      const p = toAction(x);
      if (p) unlink.set(p.name, p);
    }
  }
  const plan: EnvPlan = { prefix, install: [], remove: [], upgrade: [], downgrade: [], change: [], nothingToDo: false, message: str(json?.message) ?? (text.trim() || undefined) };
  for (const [name, to] of link) {
    const from = unlink.get(name);
    const item: PlannedPackage = { name, from: from ? `${from.version}-${from.build}` : undefined, to: `${to.version}-${to.build}`, channel: to.channel || undefined };
    if (!from) plan.install.push(item);
    else {
      const c = compareVersions(to.version, from.version);
      (c > 0 ? plan.upgrade : c < 0 ? plan.downgrade : plan.change).push(item);
    }
  }
  for (const [name, from] of unlink) if (!link.has(name)) plan.remove.push({ name, from: `${from.version}-${from.build}`, channel: from.channel || undefined });
  for (const k of ['install', 'remove', 'upgrade', 'downgrade', 'change'] as const) plan[k].sort((a, b) => a.name.localeCompare(b.name));
  plan.nothingToDo = plan.install.length + plan.remove.length + plan.upgrade.length + plan.downgrade.length + plan.change.length === 0;
  return plan;
}
