import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { AppError } from '../common/errors';
import { chunkLines, JobChannel, type IJobService, type JobSpecInput, type RunInfo } from '../common/jobs';
import { createProxy } from '../common/rpcClient';
import { withClient, type Out } from './cliClient';

/** Usage of `lathe job`. */
export const JOB_USAGE = `  lathe job submit SPEC.yaml [--wait] [--json]   Queue a job (YAML or JSON spec); --wait follows its logs and exits with its code.
  lathe job list [--json] [--status S]          Runs, newest first.
  lathe job logs ID [-f]                        A run's output; -f follows it.
  lathe job metrics ID --json                   A run's metrics.
  lathe job show ID [--json]                    Spec, lineage, params, metric summary.
  lathe job cancel ID | rerun ID`;

/** Reads a spec file: YAML (JSON is YAML too); errors name the line. */
export function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('USAGE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const before = text.slice(0, err.pos[0]);
      throw new AppError('INVALID_SPEC', `${file} is not valid YAML at line ${before.split('\n').length}: ${err.message.split('\n')[0]}`);
    }
    // The parser's other refusals (too many aliases, an alias to nothing) are the file's fault too.
    throw new AppError('INVALID_SPEC', `${file} cannot be read as a job spec: ${(err as Error).message.split('\n')[0]}`);
  }
  const loop = aliasLoop(value);
  if (loop !== undefined) throw new AppError('INVALID_SPEC', `${file}: ${loop || 'the document'} contains itself through a YAML alias (&name … *name); a job spec must be a tree. Write the value out instead of the alias.`);
  return value;
}

/** The path of the first value that contains itself (YAML aliases can make loops), or undefined for a tree. */
function aliasLoop(v: unknown, path = '', open = new Set<object>()): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  if (open.has(v)) return path;
  open.add(v);
  for (const [k, child] of Object.entries(v)) {
    const hit = aliasLoop(child, path ? `${path}.${k}` : k, open);
    if (hit !== undefined) return hit;
  }
  open.delete(v);
  return undefined;
}

const final = (r: RunInfo) => r.status !== 'queued' && r.status !== 'running';

/** Prints a run's logs from line `from`; with `follow`, until the run ends. Resolves with the run at the end. */
async function streamLogs(jobs: IJobService, id: string, out: Out, follow: boolean): Promise<void> {
  if (!follow) {
    let from = 0;
    for (;;) {
      const c = await jobs.logs(id, from, 10_000);
      for (const l of chunkLines(c)) (l.s === 'e' ? out.error : out.log)(l.l);
      if (!c.count) return;
      from = c.n + c.count;
    }
  }
  await new Promise<void>((res) => {
    const sub = jobs.onDidLog({ id })((c) => {
      for (const l of chunkLines(c)) (l.s === 'e' ? out.error : out.log)(l.l);
      if (c.end) {
        sub.dispose();
        res();
      }
    });
  });
}

/** `lathe job …`: the job service of a running core. */
export async function jobCommand(args: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  const flags = { json: { type: 'boolean' }, wait: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' }, status: { type: 'string', multiple: true } } as const;
  return withClient(
    rest,
    flags,
    env,
    async (client, o, pos) => {
      const jobs = createProxy(client, JobChannel);
      const id = pos[0];
      const needId = () => {
        if (!id) throw new AppError('USAGE', `lathe job ${sub} ID`);
        return id;
      };
      switch (sub) {
        case 'submit': {
          if (!id) throw new AppError('USAGE', 'lathe job submit SPEC.yaml');
          const file = resolve(id);
          // The core validates the spec; the CLI only parses the file.
          const run = await jobs.submit(readSpecFile(file) as JobSpecInput, { baseDir: dirname(file) });
          if (!o.wait) {
            out.log(o.json ? JSON.stringify(run, null, 2) : `${run.id} ${run.status}`);
            return 0;
          }
          out.error(`lathe: ${run.id} queued; following its output`);
          // With --json, stdout carries one JSON document only (a script reads the id from it): the job's output goes to stderr.
          await streamLogs(jobs, run.id, o.json ? { ...out, log: out.error } : out, true);
          const done = await jobs.get(run.id);
          if (o.json) out.log(JSON.stringify(done, null, 2));
          else out.error(`lathe: ${run.id} ${done.status} (${done.reason ?? ''})`);
          return done.status === 'succeeded' ? 0 : (done.exitCode ?? 1) || 1;
        }
        case 'list': {
          const runs = await jobs.list(o.status ? { status: o.status as unknown as RunInfo['status'][] } : undefined);
          if (o.json) out.log(JSON.stringify(runs, null, 2));
          else for (const r of runs) out.log(`${r.id}  ${r.name.padEnd(20)} ${r.status.padEnd(10)} ${r.target.padEnd(6)} ${r.gpus.join(',') || '-'}  ${r.createdAt}${r.reason ? `  ${r.reason}` : ''}`);
          return 0;
        }
        case 'logs':
          await streamLogs(jobs, needId(), out, !!o.follow);
          return 0;
        case 'metrics': {
          const m = await jobs.metrics(needId());
          out.log(o.json ? JSON.stringify(m, null, 2) : m.map((s) => `${s.name}: ${s.points.length} points, last ${s.points.at(-1)?.value}`).join('\n'));
          return 0;
        }
        case 'show': {
          const d = await jobs.get(needId());
          out.log(o.json ? JSON.stringify(d, null, 2) : `${d.id} ${d.name} ${d.status}${d.reason ? ` (${d.reason})` : ''}\ncommand: ${d.lineage?.command.join(' ') ?? '-'}\ngit: ${d.lineage?.git ? `${d.lineage.git.commit?.slice(0, 12)}${d.lineage.git.dirty ? ' (dirty)' : ''}` : '-'}\nparams: ${JSON.stringify(d.params)}\nmetrics: ${d.metrics.map((m) => `${m.name}=${m.last}`).join(', ') || '-'}`);
          return 0;
        }
        case 'cancel': {
          const r = await jobs.cancel(needId());
          out.log(`${r.id} ${final(r) ? r.status : 'cancelling'}`);
          return 0;
        }
        case 'rerun': {
          const r = await jobs.rerun(needId());
          out.log(o.json ? JSON.stringify(r, null, 2) : `${r.id} ${r.status} (rerun of ${id})`);
          return 0;
        }
        default:
          throw new AppError('USAGE', `unknown job command "${sub ?? ''}"`);
      }
    },
    1,
  );
}
