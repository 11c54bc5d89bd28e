import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { AppError } from '../../common/errors';
import type { EnvOpResult, EnvOperation, EnvPlan, EnvSummary } from '../../common/envs';
import type { CallContext } from '../../common/rpc';
import type { EnvWorkHost } from './envCatalog';
import type { Logger } from '../../base/node/logger';
import type { ISettingsService } from '../../common/settings';
import { buildArgs, flavourOf, planFromOutput, runTool, type StepOptions, type ToolRef, type ToolStep, type Where } from './condaCli';
import { readRecords } from './condaMeta';
import { exportEnv, isExplicitSpec, parseEnvironmentFile, parseExplicitFile } from './envExport';

/** One planned tool run, plus the temporary files it needs. */
interface Prepared {
  tool: ToolRef;
  steps: ToolStep[];
  /** Used by dry runs that conda cannot do itself (rename, remove). */
  localPlan?: EnvPlan;
  describe: string;
  /** What the user should know before and after (pip packages need an index, variables set). */
  notes?: string[];
  /** Runs once the steps succeeded, with the new env's prefix. */
  after?: (prefix: string) => Promise<void>;
}

/**
 * Changes to envs through the default installation's CLI, in its dialect: dry runs grouped into a plan,
 * progress forwarded, cancellation through the call's signal, temporary files (environment.yml, explicit
 * specs) kept in the data dir with mode 0600 and removed afterwards.
 */
export class EnvOperations {
  private readonly tmp: string;
  private readonly running = new Set<string>();

  constructor(
    private readonly config: { dataDir: string; env: NodeJS.ProcessEnv },
    private readonly settings: ISettingsService,
    private readonly host: EnvWorkHost,
    private readonly log: Logger,
  ) {
    this.tmp = join(config.dataDir, 'tmp');
  }

  async plan(op: EnvOperation, ctx?: CallContext): Promise<EnvPlan> {
    return this.withOp(op, async () => {
      const p = await this.prepare(op, true);
      for (const n of p.notes ?? []) this.host.progress({ opId: op.opId, kind: 'log', text: n });
      const withNotes = (plan: EnvPlan): EnvPlan => (p.notes?.length ? { ...plan, message: [plan.message, ...p.notes].filter(Boolean).join(' ') } : plan);
      if (p.localPlan) return withNotes(p.localPlan);
      const args = buildArgs(p.tool, p.steps[0]!, await this.options(op, true));
      this.host.progress({ opId: op.opId, kind: 'log', text: `$ ${basename(p.tool.exe)} ${args.join(' ')}` });
      const out = await this.logged(op, p.tool, args, () => runTool(p.tool, args, { signal: ctx?.signal, env: this.config.env, onProgress: (x) => this.host.progress({ opId: op.opId, ...x }) }));
      return withNotes(planFromOutput(out.json, out.text));
    });
  }

  async apply(op: EnvOperation, ctx?: CallContext): Promise<EnvOpResult> {
    return this.withOp(op, async () => {
      const p = await this.prepare(op, false);
      for (const n of p.notes ?? []) this.host.progress({ opId: op.opId, kind: 'log', text: n });
      let last: { json?: Record<string, unknown>; text: string } = { text: '' };
      for (const step of p.steps) {
        const args = buildArgs(p.tool, step, await this.options(op, false));
        this.host.progress({ opId: op.opId, kind: 'log', text: `$ ${basename(p.tool.exe)} ${args.join(' ')}` });
        last = await this.logged(op, p.tool, args, () => runTool(p.tool, args, { signal: ctx?.signal, env: this.config.env, onProgress: (x) => this.host.progress({ opId: op.opId, ...x }) }));
      }
      await this.host.rescan();
      const plan = last.json?.actions ? planFromOutput(last.json, last.text) : undefined;
      let prefix = (typeof last.json?.prefix === 'string' ? last.json.prefix : undefined) ?? plan?.prefix;
      if (p.after) {
        prefix ??= (await this.host.resolve(p.steps.map((s) => ('target' in s && s.target ? ('prefix' in s.target ? s.target.prefix : s.target.name) : undefined)).find(Boolean) ?? '')).prefix;
        await p.after(prefix);
        await this.host.rescan();
      }
      const msg = typeof last.json?.message === 'string' ? last.json.message : `${p.describe}: done.`;
      return { prefix, plan, message: msg };
    });
  }

  /** Runs one tool command and writes it to the core's log: the command, how long it took, how it ended. */
  private async logged<T>(op: EnvOperation, tool: ToolRef, args: string[], run: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    const command = `${tool.exe} ${args.join(' ')}`;
    try {
      const r = await run();
      this.log.info(`env ${op.op}: ok`, { opId: op.opId, command, durationMs: Date.now() - t0 });
      return r;
    } catch (err) {
      this.log.warn(`env ${op.op}: failed: ${(err as Error).message}`, { opId: op.opId, command, durationMs: Date.now() - t0, code: (err as { code?: string }).code });
      throw err;
    }
  }

  /** Runs one operation at a time per opId, reports `done`, and removes its temporary files. */
  private async withOp<T>(op: EnvOperation, fn: () => Promise<T>): Promise<T> {
    if (this.running.has(op.opId)) throw new AppError('INVALID_ARGUMENT', `Operation ${op.opId} is already running; use a new opId.`);
    this.running.add(op.opId);
    try {
      const r = await fn();
      this.host.progress({ opId: op.opId, kind: 'done', text: 'ok' });
      return r;
    } catch (err) {
      this.host.progress({ opId: op.opId, kind: 'done', text: (err as Error).message });
      throw err;
    } finally {
      this.running.delete(op.opId);
      rmSync(join(this.tmp, op.opId), { recursive: true, force: true });
    }
  }

  private async options(op: EnvOperation, dryRun: boolean): Promise<StepOptions> {
    const s = (await this.settings.get()).envs;
    return { dryRun, channels: [...(op.channels ?? []), ...s.channels.filter((c) => !op.channels?.includes(c))], overrideChannels: s.overrideChannels, offline: op.offline ?? s.offline };
  }

  private async tool(): Promise<ToolRef> {
    const list = await this.host.list();
    const inst = list.installations.find((i) => i.exe === list.defaultExe) ?? list.installations[0];
    if (!inst) throw new AppError('NO_CONDA', 'No conda, mamba or micromamba was found (PATH, CONDA_EXE, MAMBA_EXE and the usual install folders were searched). Install Miniforge from https://conda-forge.org/download/ or set CONDA_EXE, then refresh the list.');
    return { tool: inst.tool, exe: inst.exe, version: inst.version };
  }

  /** A file the tool reads, private to this operation. */
  private tempFile(opId: string, name: string, text: string): string {
    const dir = join(this.tmp, opId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const f = join(dir, name);
    writeFileSync(f, text, { mode: 0o600 });
    return f;
  }

  /** Checks where a new env goes: exactly one of name and prefix; the name free; the prefix absolute and empty. */
  private async target(op: { name?: string; prefix?: string }, file?: { name?: string; prefix?: string }): Promise<Where> {
    // The operation's own name or prefix wins; else the file's (environment.yml `name:` or `prefix:`).
    if (!op.name && !op.prefix && file?.prefix && !file.name) op = { prefix: file.prefix };
    const name = op.name ?? (op.prefix ? undefined : file?.name);
    if (name && op.prefix) throw new AppError('INVALID_ARGUMENT', 'Give either a name or a prefix for the new env, not both.');
    if (op.prefix) {
      if (!isAbsolute(op.prefix)) throw new AppError('INVALID_ARGUMENT', `The prefix "${op.prefix}" must be an absolute path, like /home/me/envs/iris.`);
      if (existsSync(op.prefix) && readdirSync(op.prefix).length > 0) throw new AppError('ENV_EXISTS', `${op.prefix} already exists and is not empty. Pick another folder, or remove that env first.`);
      return { prefix: op.prefix };
    }
    if (!name) throw new AppError('INVALID_ARGUMENT', 'Give the new env a name (or a prefix).');
    const list = await this.host.list();
    const clash = list.envs.find((e) => e.named && e.name === name && (e.owner === list.defaultExe || !e.owner));
    if (clash || name === 'base') throw new AppError('ENV_EXISTS', `An env named "${name}" already exists at ${clash?.prefix ?? 'the root prefix'}. Pick another name, or remove that env first.`);
    return { name };
  }

  private async prepare(op: EnvOperation, dryRun: boolean): Promise<Prepared> {
    const tool = await this.tool();
    const libmamba = flavourOf(tool) === 'libmamba';
    switch (op.op) {
      case 'create': {
        const target = await this.target(op);
        return { tool, steps: [{ kind: 'create', target, packages: op.packages }], describe: `Created ${'name' in target ? target.name : target.prefix}` };
      }
      case 'createFromFile': {
        if (isExplicitSpec(op.file)) {
          // An @EXPLICIT lock file (what `lathe env export --explicit` writes): exactly these packages, no solve.
          const pkgs = parseExplicitFile(op.file);
          const target = await this.target(op);
          const where = 'name' in target ? target.name : target.prefix;
          if (dryRun) {
            const plan: EnvPlan = { prefix: 'prefix' in target ? target.prefix : where, install: pkgs.map((x) => ({ name: x.name, to: `${x.version}-${x.build}`, channel: channelOfUrl(x.url) })), remove: [], upgrade: [], downgrade: [], change: [], nothingToDo: false, message: `Creates ${where} with exactly the ${pkgs.length} packages of the explicit file (no solve).` };
            return { tool, steps: [], localPlan: plan, describe: 'Planned' };
          }
          const path = this.tempFile(op.opId, 'explicit.txt', op.file);
          return { tool, steps: [{ kind: 'createExplicit', target, file: path }], describe: `Created ${where} from the explicit file (${pkgs.length} packages)` };
        }
        const file = parseEnvironmentFile(op.file);
        const target = await this.target(op, file);
        const notes: string[] = [];
        if (file.pip.length) notes.push(`pip: ${file.pip.length} package(s) (${file.pip.slice(0, 3).join(', ')}${file.pip.length > 3 ? ', …' : ''}) are installed by pip after conda, from PyPI or the index your pip.conf names; offline or without an index they fail.`);
        const vars = Object.keys(file.variables);
        if (vars.length) notes.push(`variables: the env sets ${vars.join(', ')} when activated (and in its kernel and jobs).`);
        const after = vars.length ? (prefix: string) => writeEnvVariables(prefix, file.variables) : undefined;
        if (dryRun && !libmamba) {
          // conda's `env create` has no dry run that shows actions: plan the same solve with `create`, on the file's channels.
          return { tool, steps: [{ kind: 'create', target, packages: file.conda, channels: file.channels }], describe: 'Planned', notes };
        }
        const path = this.tempFile(op.opId, 'environment.yml', op.file);
        return { tool, steps: [{ kind: 'createFromFile', target, file: path }], describe: `Created ${'name' in target ? target.name : target.prefix} from environment.yml`, notes, after };
      }
      case 'clone': {
        const source = await this.host.resolve(op.source);
        const target = await this.target(op);
        if (!libmamba) return { tool, steps: [{ kind: 'clone', source: source.prefix, target }], describe: `Cloned ${source.name}` };
        // micromamba and mamba 2 have no --clone: an explicit spec of the source rebuilds it exactly.
        const spec = this.tempFile(op.opId, 'explicit.txt', await exportEnv(source.prefix, source.name, 'explicit'));
        return { tool, steps: [{ kind: 'createFromFile', target, file: spec }], describe: `Cloned ${source.name}` };
      }
      case 'rename': {
        const env = await this.existing(op.env);
        await this.target({ name: op.newName });
        const plan: EnvPlan = { prefix: env.prefix, install: [], remove: [], upgrade: [], downgrade: [], change: [], nothingToDo: false, message: `Renames ${env.name} (${env.prefix}) to ${op.newName}.` };
        if (dryRun) return { tool, steps: [], localPlan: plan, describe: 'Planned' };
        if (!libmamba) return { tool, steps: [{ kind: 'rename', prefix: env.prefix, newName: op.newName }], describe: `Renamed ${env.name} to ${op.newName}` };
        const spec = this.tempFile(op.opId, 'explicit.txt', await exportEnv(env.prefix, env.name, 'explicit'));
        return { tool, steps: [{ kind: 'createFromFile', target: { prefix: join(dirname(env.prefix), op.newName) }, file: spec }, { kind: 'removeEnv', prefix: env.prefix }], describe: `Renamed ${env.name} to ${op.newName}` };
      }
      case 'remove': {
        const env = await this.existing(op.env);
        if (dryRun) {
          const { records } = await readRecords(env.prefix);
          const plan: EnvPlan = { prefix: env.prefix, install: [], upgrade: [], downgrade: [], change: [], remove: records.map((r) => ({ name: r.name, from: `${r.version}-${r.build}` })), nothingToDo: false, message: `Removes the env ${env.name} at ${env.prefix} and everything in it.` };
          return { tool, steps: [], localPlan: plan, describe: 'Planned' };
        }
        return { tool, steps: [{ kind: 'removeEnv', prefix: env.prefix }], describe: `Removed ${env.name}` };
      }
      case 'install':
      case 'update':
      case 'uninstall': {
        const env = await this.host.resolve(op.env);
        return { tool, steps: [{ kind: op.op, prefix: env.prefix, packages: op.packages }], describe: `${op.op === 'uninstall' ? 'Removed packages from' : op.op === 'install' ? 'Installed into' : 'Updated'} ${env.name}` };
      }
      case 'rollback': {
        const env = await this.host.resolve(op.env);
        return { tool, steps: [{ kind: 'rollback', prefix: env.prefix, revision: op.revision }], describe: `Rolled ${env.name} back to revision ${op.revision}` };
      }
    }
  }

  /** An env that may be renamed or removed: never a base env. */
  private async existing(ref: string): Promise<EnvSummary> {
    const env = await this.host.resolve(ref);
    if (env.isBase) throw new AppError('INVALID_ARGUMENT', `${env.prefix} is a base env (the installation's root); Lathe will not rename or remove it. Uninstall conda itself to remove it.`);
    return env;
  }

  dispose(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** The channel of a package URL (…/conda-forge/linux-64/x.conda → conda-forge). */
function channelOfUrl(url: string): string {
  const parts = url.split('/');
  return parts.at(-3) ?? url;
}

/** Adds `variables:` to the env's conda-meta/state, as `conda env config vars set` does (kept: the others). */
async function writeEnvVariables(prefix: string, vars: Record<string, string>): Promise<void> {
  const file = join(prefix, 'conda-meta', 'state');
  let state: { env_vars?: Record<string, string> } & Record<string, unknown> = {};
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as typeof state;
  } catch {
    // No state yet (or unreadable): start one.
  }
  state.env_vars = { ...(state.env_vars ?? {}), ...vars };
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}
