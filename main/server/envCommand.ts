import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../common/errors';
import { EnvChannel, type EnvOperation, type EnvPlan, type ExportFormat, type IEnvService } from '../common/envs';
import { createProxy } from '../common/rpcClient';
import { formatBytes } from '../common/format';
import { withClient, type Out } from './cliClient';

/** Usage of `lathe env`. */
export const ENV_USAGE = `  lathe env list [--json] [--refresh]            Conda envs and installations (cached, then refreshed).
  lathe env show NAME|PREFIX [--json]           Packages, history and activation variables of one env.
  lathe env create NAME|--prefix P [PKG...] [--file environment.yml] [-c CH]... [--offline] [--dry-run]
  lathe env clone SRC NEW | rename ENV NEW | remove ENV [--dry-run]
  lathe env pkg install|update|remove ENV PKG... [-c CH]... [--offline] [--dry-run]
  lathe env rollback ENV REVISION [--dry-run]
  lathe env export ENV [--from-history|--no-builds|--explicit] [-o FILE]
  lathe env default EXE                         Use this conda/mamba/micromamba for changes.
  lathe env pack ENV -o FILE.tar.zst|.tar.gz [--version V]   A relocatable archive (conda-pack layout).
  lathe env unpack FILE DEST [--run-conda-unpack]   Unpack, relocate to DEST and register the env (an archive
                                                  without Lathe's manifest runs its own bin/conda-unpack only
                                                  with --run-conda-unpack).
  lathe env publish ENV [--version V] [--format tar.gz|tar.zst]   Pack into the env registry (Settings: a folder,
                                                  or a team Lathe server's URL with secret REGISTRY_TOKEN).
  lathe env published [--json]                  What the registry holds.
  lathe env install SLUG[@VERSION|@sha256:HEX] [--name N]   Install a published env (sha256 checked).
  lathe env unpublish SLUG@VERSION              Delete a published version.
        Changes run the chosen tool on the core's machine and stream its progress; Ctrl+C cancels.`;

const CHANGE_FLAGS = {
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  channel: { type: 'string', short: 'c', multiple: true },
  offline: { type: 'boolean' },
  prefix: { type: 'string', short: 'p' },
  file: { type: 'string', short: 'f' },
} as const;

/** A plan as people read it: one line per package change. */
export function formatPlan(p: EnvPlan): string {
  if (p.nothingToDo) return p.message ?? 'Nothing to change.';
  const lines: string[] = [];
  if (p.message) lines.push(p.message);
  const group = (title: string, items: EnvPlan['install'], fmt: (x: EnvPlan['install'][number]) => string) => {
    if (items.length) lines.push(`${title}:`, ...items.map((x) => `  ${fmt(x)}`));
  };
  group('Install', p.install, (x) => `${x.name} ${x.to}${x.channel ? ` (${x.channel})` : ''}`);
  group('Upgrade', p.upgrade, (x) => `${x.name} ${x.from} → ${x.to}`);
  group('Downgrade', p.downgrade, (x) => `${x.name} ${x.from} → ${x.to}`);
  group('Change', p.change, (x) => `${x.name} ${x.from} → ${x.to}`);
  group('Remove', p.remove, (x) => `${x.name} ${x.from}`);
  return lines.join('\n');
}

/** `lathe env …`: the env service of a running core, from the command line. */
export async function envCommand(args: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      return withClient(rest, { json: { type: 'boolean' }, refresh: { type: 'boolean' } }, env, async (client, o) => {
        const l = await createProxy(client, EnvChannel).list({ refresh: !!o.refresh });
        if (o.json) {
          out.log(JSON.stringify(l, null, 2));
          return 0;
        }
        if (l.installations.length === 0) out.log('No conda, mamba or micromamba found. Install Miniforge (https://conda-forge.org/download/) or set CONDA_EXE.');
        for (const i of l.installations) out.log(`${i.exe === l.defaultExe ? '*' : ' '} ${i.tool} ${i.version ?? ''} ${i.exe} (${i.source})${i.problem ? ` — ${i.problem}` : ''}`);
        out.log('');
        const rows = l.envs.map((e) => [e.name, e.python ?? '-', e.hasIpykernel ? 'kernel' : '', formatBytes(e.sizeBytes), e.prefix]);
        const w = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length), 4));
        out.log(['NAME'.padEnd(w[0]!), 'PYTHON'.padEnd(w[1]!), 'JUPYTER'.padEnd(Math.max(w[2]!, 7)), 'SIZE'.padEnd(w[3]!), 'PREFIX'].join('  '));
        for (const r of rows) out.log([r[0]!.padEnd(w[0]!), r[1]!.padEnd(w[1]!), r[2]!.padEnd(Math.max(w[2]!, 7)), r[3]!.padEnd(w[3]!), r[4]].join('  '));
        return 0;
      });
    case 'show':
      return withClient(
        rest,
        { json: { type: 'boolean' } },
        env,
        async (client, o, [ref]) => {
          if (!ref) throw new AppError('USAGE', 'lathe env show NAME|PREFIX');
          const d = await createProxy(client, EnvChannel).show(ref);
          if (o.json) {
            out.log(JSON.stringify(d, null, 2));
            return 0;
          }
          out.log(`${d.name}  ${d.prefix}\npython ${d.python ?? '-'}, ${d.packages.length} packages, ${d.history.length} revisions${d.kernelName ? `, kernel ${d.kernelName}` : ''}${d.problem ? `\nproblem: ${d.problem}` : ''}`);
          for (const p of d.packages) out.log(`  ${p.name.padEnd(28)} ${p.version.padEnd(14)} ${p.build.padEnd(24)} ${p.channel}`);
          return 0;
        },
        1,
      );
    case 'export':
      return withClient(
        rest,
        { 'from-history': { type: 'boolean' }, 'no-builds': { type: 'boolean' }, explicit: { type: 'boolean' }, output: { type: 'string', short: 'o' } },
        env,
        async (client, o, [ref]) => {
          if (!ref) throw new AppError('USAGE', 'lathe env export ENV [--from-history|--no-builds|--explicit] [-o FILE]');
          if ([o['from-history'], o['no-builds'], o.explicit].filter(Boolean).length > 1) throw new AppError('USAGE', 'pick one of --from-history, --no-builds and --explicit');
          const format: ExportFormat = o.explicit ? 'explicit' : o['from-history'] ? 'yaml-from-history' : o['no-builds'] ? 'yaml-no-builds' : 'yaml';
          const text = await createProxy(client, EnvChannel).export(ref, format);
          if (typeof o.output === 'string') {
            const dest = resolve(o.output);
            writeFileSync(`${dest}.tmp`, text);
            renameSync(`${dest}.tmp`, dest);
            out.error(`wrote ${dest}`);
          } else out.log(text.trimEnd());
          return 0;
        },
        1,
      );
    case 'default':
      return withClient(
        rest,
        {},
        env,
        async (client, _o, [exe]) => {
          if (!exe) throw new AppError('USAGE', 'lathe env default EXE (one of the executables `lathe env list` shows)');
          const l = await createProxy(client, EnvChannel).setDefault(exe);
          out.log(`Changes now run with ${l.defaultExe}.`);
          return 0;
        },
        1,
      );
    case 'pack':
    case 'unpack':
    case 'publish':
    case 'install':
      return archiveCommand(sub, rest, out, env);
    case 'published':
      return withClient(rest, { json: { type: 'boolean' } }, env, async (client, o) => {
        const list = await createProxy(client, EnvChannel).listPublished();
        if (o.json) out.log(JSON.stringify(list, null, 2));
        else if (!list.length) out.log('The registry is empty. Publish an env with `lathe env publish ENV`.');
        else for (const e of list) out.log(`${`${e.slug}@${e.version}`.padEnd(30)} sha256:${e.sha256.slice(0, 16)}  python ${e.python ?? '-'}  ${formatBytes(e.archiveBytes)}  ${e.createdAt}`);
        return 0;
      });
    case 'unpublish':
      return withClient(
        rest,
        {},
        env,
        async (client, _o, [ref]) => {
          if (!ref) throw new AppError('USAGE', 'lathe env unpublish SLUG@VERSION');
          const e = await createProxy(client, EnvChannel).deletePublished(ref);
          out.log(`Deleted ${e.slug}@${e.version} (sha256:${e.sha256.slice(0, 16)}).`);
          return 0;
        },
        1,
      );
    case 'create':
    case 'clone':
    case 'rename':
    case 'remove':
    case 'rollback':
    case 'pkg':
      return change(sub, rest, out, env);
    default:
      throw new AppError('USAGE', `unknown env command "${sub ?? ''}"`);
  }
}

/** Builds the operation a change command asks for. */
function operation(sub: string, pos: string[], o: Record<string, unknown>, opId: string): EnvOperation {
  const common = { opId, ...(o.channel ? { channels: o.channel as string[] } : {}), ...(o.offline ? { offline: true } : {}) };
  const need = (n: number, usage: string) => {
    if (pos.length < n) throw new AppError('USAGE', usage);
  };
  switch (sub) {
    case 'create': {
      const target = typeof o.prefix === 'string' ? { prefix: resolve(o.prefix) } : {};
      if (typeof o.file === 'string') {
        let file: string;
        try {
          file = readFileSync(o.file, 'utf8');
        } catch (err) {
          throw new AppError('USAGE', `cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        return { op: 'createFromFile', ...common, ...target, ...(pos[0] ? { name: pos[0] } : {}), file };
      }
      if (!target.prefix) need(1, 'lathe env create NAME [PKG...]   (or --prefix P, or --file environment.yml)');
      const name = target.prefix ? undefined : pos[0];
      const packages = target.prefix ? pos : pos.slice(1);
      return { op: 'create', ...common, ...target, ...(name ? { name } : {}), packages };
    }
    case 'clone':
      need(2, 'lathe env clone SRC NEW');
      return { op: 'clone', ...common, source: pos[0]!, name: pos[1]! };
    case 'rename':
      need(2, 'lathe env rename ENV NEW');
      return { op: 'rename', ...common, env: pos[0]!, newName: pos[1]! };
    case 'remove':
      need(1, 'lathe env remove ENV');
      return { op: 'remove', ...common, env: pos[0]! };
    case 'rollback': {
      need(2, 'lathe env rollback ENV REVISION');
      const revision = Number(pos[1]);
      if (!Number.isInteger(revision) || revision < 0) throw new AppError('USAGE', `REVISION must be a revision number from \`lathe env show ${pos[0]}\`, not "${pos[1]}"`);
      return { op: 'rollback', ...common, env: pos[0]!, revision };
    }
    default: {
      const [action, ref, ...packages] = pos;
      const op = action === 'remove' ? 'uninstall' : action;
      if ((op !== 'install' && op !== 'update' && op !== 'uninstall') || !ref || packages.length === 0) throw new AppError('USAGE', 'lathe env pkg install|update|remove ENV PKG...');
      return { op, ...common, env: ref, packages };
    }
  }
}

async function change(sub: string, rest: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  return withClient(
    rest,
    CHANGE_FLAGS,
    env,
    async (client, o, pos) => {
      const envs: IEnvService = createProxy(client, EnvChannel);
      const op = operation(sub, pos, o, `cli-${randomUUID().slice(0, 8)}`);
      const ac = new AbortController();
      const onSigint = () => {
        out.error('lathe: cancelling…');
        ac.abort();
      };
      process.once('SIGINT', onSigint);
      let lastFetch = '';
      const sub2 = envs.onDidProgress({ opId: op.opId })((p) => {
        if (p.kind === 'log') out.error(p.text);
        else if (p.kind === 'fetch' && p.fraction === 1 && p.text !== lastFetch) {
          lastFetch = p.text;
          out.error(`fetched ${p.text}`);
        }
      });
      try {
        if (o['dry-run']) {
          const plan = await envs.plan(op, { signal: ac.signal });
          out.log(o.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
          return 0;
        }
        const r = await envs.apply(op, { signal: ac.signal });
        out.log(o.json ? JSON.stringify(r, null, 2) : [r.plan ? formatPlan(r.plan) : '', r.message].filter(Boolean).join('\n'));
        return 0;
      } finally {
        sub2.dispose();
        process.off('SIGINT', onSigint);
      }
    },
    64,
  );
}

/** pack, unpack, publish and install: long work with a progress line and Ctrl+C to cancel. */
async function archiveCommand(sub: string, rest: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  return withClient(
    rest,
    { json: { type: 'boolean' }, output: { type: 'string', short: 'o' }, version: { type: 'string' }, format: { type: 'string' }, name: { type: 'string' }, 'run-conda-unpack': { type: 'boolean' } },
    env,
    async (client, o, pos) => {
      const envs = createProxy(client, EnvChannel);
      const opId = `cli-${randomUUID().slice(0, 8)}`;
      const format = o.format === undefined ? undefined : o.format === 'tar.gz' || o.format === 'tar.zst' ? o.format : (() => {
        throw new AppError('USAGE', `--format must be tar.gz or tar.zst, not "${String(o.format)}"`);
      })();
      const ac = new AbortController();
      const onSigint = () => {
        out.error('lathe: cancelling…');
        ac.abort();
      };
      process.once('SIGINT', onSigint);
      let lastPct = -1;
      const sub2 = envs.onDidProgress({ opId })((p) => {
        if (p.kind === 'log') out.error(p.text);
        else if (p.kind === 'progress' && p.fraction !== undefined) {
          const pct = Math.floor(p.fraction * 10) * 10;
          if (pct !== lastPct) {
            lastPct = pct;
            out.error(`${pct}% (${p.text})`);
          }
        }
      });
      const ctx = { signal: ac.signal };
      const print = (v: unknown, text: string) => out.log(o.json ? JSON.stringify(v, null, 2) : text);
      try {
        switch (sub) {
          case 'pack': {
            if (!pos[0] || typeof o.output !== 'string') throw new AppError('USAGE', 'lathe env pack ENV -o FILE.tar.zst');
            const r = await envs.pack({ opId, env: pos[0], output: resolve(o.output), ...(format ? { format } : {}), ...(typeof o.version === 'string' ? { version: o.version } : {}) }, ctx);
            print(r, `${r.file}\nsha256:${r.sha256}  ${formatBytes(r.archiveBytes)} (${formatBytes(r.manifest.sizeBytes)} unpacked, ${r.manifest.packages.length} packages)`);
            return 0;
          }
          case 'unpack': {
            if (pos.length !== 2) throw new AppError('USAGE', 'lathe env unpack FILE DEST');
            const r = await envs.unpack({ opId, archive: resolve(pos[0]!), dest: resolve(pos[1]!), ...(o['run-conda-unpack'] ? { runArchiveScript: true } : {}) }, ctx);
            print(r, `Unpacked to ${r.prefix} (${r.method === 'none' ? 'no relocation data in the archive' : r.method === 'conda-unpack' ? 'relocated by its bin/conda-unpack' : `${r.relocatedFiles} files relocated`}); registered with conda.`);
            return 0;
          }
          case 'publish': {
            if (!pos[0]) throw new AppError('USAGE', 'lathe env publish ENV [--version V]');
            const r = await envs.publish({ opId, env: pos[0], ...(format ? { format } : {}), ...(typeof o.version === 'string' ? { version: o.version } : {}) }, ctx);
            print(r, `Published ${r.slug}@${r.version} sha256:${r.sha256}\n  ${r.location}`);
            return 0;
          }
          default: {
            if (!pos[0]) throw new AppError('USAGE', 'lathe env install SLUG[@VERSION|@sha256:HEX] [--name N]');
            const r = await envs.installPublished({ opId, ref: pos[0], ...(typeof o.name === 'string' ? { name: o.name } : {}) }, ctx);
            print(r, `Installed ${pos[0]} at ${r.prefix}.`);
            return 0;
          }
        }
      } finally {
        sub2.dispose();
        process.off('SIGINT', onSigint);
      }
    },
    2,
  );
}
