#!/usr/bin/env node
// A STAND-IN for conda, mamba and micromamba, used by tests because none of them can be installed on these
// machines. It is not conda: it accepts only the flags each tool documents, replays the output conda
// documents for --json (NUL-separated fetch progress before the final JSON, exception JSON on exit 1,
// plain text from `conda env remove`, "All requested packages already installed."), and changes envs on
// disk in conda's layout so discovery sees the result. Special package names trigger failures:
//   does-not-exist*  → PackagesNotFoundError      conflict-a + conflict-b → UnsatisfiableError
//   slow-pkg         → fetches for 30 s (to test cancel; SIGINT rolls back like conda)
//   needs-CHANNEL-*  → found only when CHANNEL is one of the channels (-c, or an environment.yml's channels:)
// Usage (through the wrapper the fixture writes): condaStandIn.mjs TOOL ROOT VERSION ARGS...
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const [tool = '', root = '', version = '', ...args] = process.argv.slice(2);
if (!tool || !root || !version) {
  process.stderr.write('usage: condaStandIn.mjs TOOL ROOT VERSION ARGS...\n');
  process.exit(2);
}
const libmamba = tool === 'micromamba' || (tool === 'mamba' && Number.parseInt(version, 10) >= 2);
if (process.env.STANDIN_LOG) appendFileSync(process.env.STANDIN_LOG, JSON.stringify({ tool, args }) + '\n');

/** @param {string} s */
const out = (s) => process.stdout.write(s);
/** @type {(json: object, code?: number) => never} */
const fail = (json, code = 1) => {
  out(JSON.stringify(json, null, 2) + '\n');
  process.exit(code);
};
/** @type {(msg: string) => never} */
const usage = (msg) => {
  process.stderr.write(`usage: ${tool} [-h] ...\n${tool}: error: ${msg}\n`);
  process.exit(2);
};

/** Parses flags the way each tool's documented CLI has them; anything else is argparse's error. */
function parseFlags(list, allowed) {
  /** @type {{ channels: string[]; positional: string[]; [flag: string]: any }} */
  const o = { channels: [], positional: [] };
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    const takesValue = { '-n': 'name', '--name': 'name', '-p': 'prefix', '--prefix': 'prefix', '-c': 'channel', '--channel': 'channel', '-f': 'file', '--file': 'file', '--clone': 'clone', '--revision': 'revision' }[a];
    if (takesValue) {
      if (!allowed.includes(a)) usage(`unrecognized arguments: ${a}`);
      const v = list[++i];
      if (v === undefined) usage(`argument ${a}: expected one argument`);
      if (takesValue === 'channel') o.channels.push(v);
      else o[takesValue] = v;
    } else if (a.startsWith('-')) {
      if (!allowed.includes(a)) usage(`unrecognized arguments: ${a}`);
      o[a.replace(/^-+/, '')] = true;
    } else o.positional.push(a);
  }
  return o;
}

const envsDir = join(root, 'envs');
const home = process.env.HOME ?? '/root';
/** @returns {string} */
function prefixOf(o) {
  if (o.prefix) return resolve(o.prefix);
  if (o.name) return o.name === 'base' ? root : join(envsDir, o.name);
  return usage('one of the arguments -n/--name -p/--prefix is required');
}

function specToPkg(spec) {
  // MatchSpec: (channel::)name(version(build))[key=value,...]; the bracket's version counts like one after the name.
  let s = spec.includes('::') ? (spec.split('::').pop() ?? '') : spec;
  const bracket = /^(.*?)\[(.*)\]$/.exec(s);
  if (bracket) {
    const v = /version\s*=\s*['"]?([^'",]+)/.exec(bracket[2] ?? '')?.[1];
    s = `${bracket[1]}${v ? ` ${v.replace(/^[=<>!~]+/, '')}` : ''}`;
  }
  const m = /^([A-Za-z0-9_.-]+?)(?:[=<>!~ ]+(.*))?$/.exec(s);
  if (!m) return usage(`invalid package spec: ${spec}`);
  const name = (m[1] ?? '').toLowerCase();
  const ver = ((m[2] ?? '').split(/[=,]/)[0] ?? '').replace(/\*$/, '').replace(/\.$/, '') || (name === 'python' ? '3.11.9' : '1.0.0');
  return { name, version: /^\d/.test(ver) ? ver : '1.0.0', build: name === 'python' ? 'hab00c5b_0_cpython' : 'h0_0' };
}

function readRecords(prefix) {
  const meta = join(prefix, 'conda-meta');
  if (!existsSync(meta)) return [];
  return readdirSync(meta)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(meta, f), 'utf8')));
}

const channelUrl = (c = 'conda-forge') => (c.includes('://') ? c : `https://conda.anaconda.org/${c}`);
function record(p, channel) {
  const ch = `${channelUrl(channel)}/linux-64`;
  return { name: p.name, version: p.version, build: p.build, build_number: 0, channel: ch, subdir: 'linux-64', url: `${ch}/${p.name}-${p.version}-${p.build}.conda`, md5: '0'.repeat(32), depends: [], files: [], paths_data: { paths: [], paths_version: 1 } };
}
const action = (r) => (libmamba ? { name: r.name, version: r.version, build_string: r.build, channel: r.channel, url: r.url } : { base_url: r.channel.replace(/\/linux-64$/, ''), build_number: 0, build_string: r.build, channel: basename(r.channel.replace(/\/linux-64$/, '')), dist_name: `${r.name}-${r.version}-${r.build}`, name: r.name, platform: 'linux-64', version: r.version });

/** Special names make the solver fail the way conda reports it. */
function solve(specs, channels) {
  const missing = specs.filter((s) => {
    const name = specToPkg(s).name;
    const needs = /^needs-([a-z0-9]+)-/.exec(name)?.[1];
    return name.startsWith('does-not-exist') || (needs !== undefined && !channels.includes(needs));
  });
  if (missing.length) {
    const urls = (channels.length ? channels : ['conda-forge']).flatMap((c) => [`${channelUrl(c)}/linux-64`, `${channelUrl(c)}/noarch`]);
    if (libmamba) {
      process.stderr.write(`error    libmamba Could not solve for environment specs\n    The following package could not be installed\n    └─ ${missing[0]} does not exist (perhaps a typo or a missing channel).\n`);
      fail({ success: false, solver_problems: [`nothing provides requested ${missing.join(' ')}`] });
    }
    fail({ caused_by: 'None', channel_urls: urls, error: `PackagesNotFoundError: The following packages are not available from current channels:\n\n  - ${missing.join('\n  - ')}\n`, exception_name: 'PackagesNotFoundError', exception_type: "<class 'conda.exceptions.PackagesNotFoundError'>", message: 'The following packages are not available from current channels:', packages: missing });
  }
  const names = specs.map((s) => specToPkg(s).name);
  if (names.includes('conflict-a') && names.includes('conflict-b')) {
    fail({ caused_by: 'None', error: 'UnsatisfiableError: The following specifications were found to be incompatible with each other:', exception_name: 'UnsatisfiableError', exception_type: "<class 'conda.exceptions.UnsatisfiableError'>", message: 'The following specifications were found\nto be incompatible with each other:', unsatisfiable: [['conflict-a', 'libfoo 1.*'], ['conflict-b', 'libfoo 2.*']] });
  }
  return specs.map(specToPkg);
}

async function fetchProgress(pkgs) {
  for (const p of pkgs) {
    const slow = p.name === 'slow-pkg';
    const steps = slow ? 300 : 2;
    for (let i = 1; i <= steps; i++) {
      if (!libmamba) out(JSON.stringify({ fetch: `${p.name}-${p.version}`, finished: false, maxval: 1, progress: i / steps }) + '\n\0');
      else process.stderr.write(`${p.name}  ${Math.round((100 * i) / steps)}%\r`);
      if (slow) await new Promise((r) => setTimeout(r, 100));
    }

    if (libmamba) process.stderr.write('\n');
  }
  // conda 23.7 repeats the final record of every download after the last one, twice, in download order.
  if (!libmamba && version.startsWith('23.7')) {
    for (const finished of [false, true]) for (const p of pkgs) out(JSON.stringify({ fetch: `${p.name}-${p.version}`, finished, maxval: 1, progress: 1 }) + '\n\0');
  }
}

function writeHistory(prefix, cmd, added, removed, specs, kind = 'update') {
  mkdirSync(join(prefix, 'conda-meta'), { recursive: true });
  const lines = [`==> 2026-11-25 10:00:0${readHistory(prefix).length % 10} <==`, `# cmd: ${cmd}`, `# conda version: ${version}`, ...removed.map((r) => `-conda-forge/linux-64::${r.name}-${r.version}-${r.build}`), ...added.map((r) => `+conda-forge/linux-64::${r.name}-${r.version}-${r.build}`), `# ${kind} specs: [${specs.map((s) => `'${s}'`).join(', ')}]`];
  appendFileSync(join(prefix, 'conda-meta', 'history'), lines.join('\n') + '\n');
}
function readHistory(prefix) {
  const f = join(prefix, 'conda-meta', 'history');
  return existsSync(f) ? readFileSync(f, 'utf8').split(/^==> /m).filter(Boolean) : [];
}

let partial;
process.on('SIGINT', () => {
  // conda rolls back an unfinished transaction on Ctrl+C.
  if (partial) rmSync(partial, { recursive: true, force: true });
  process.stderr.write('\nCondaSystemExit: Operation aborted.\n');
  process.exit(1);
});

/** Links packages into a prefix; prints the final JSON. */
async function link(prefix, specs, channels, o, { create, cmd }) {
  if (create && existsSync(join(prefix, 'conda-meta')) && !o.force) {
    fail({ caused_by: 'None', error: `CondaValueError: prefix already exists: ${prefix}`, exception_name: 'CondaValueError', message: `prefix already exists: ${prefix}` });
  }
  if (!create && !existsSync(join(prefix, 'conda-meta'))) {
    fail({ caused_by: 'None', error: `EnvironmentLocationNotFound: Not a conda environment: ${prefix}`, exception_name: 'EnvironmentLocationNotFound', message: `Not a conda environment: ${prefix}` });
  }
  const pkgs = solve(specs, channels);
  const have = readRecords(prefix);
  const todo = pkgs.filter((p) => !have.some((r) => r.name === p.name && r.version === p.version));
  if (todo.length === 0 && !create) {
    out(JSON.stringify({ message: 'All requested packages already installed.', success: true }, null, 2) + '\n');
    return;
  }
  const newRecs = todo.map((p) => record(p, channels[0]));
  const unlink = have.filter((r) => todo.some((p) => p.name === r.name));
  const actions = { LINK: newRecs.map(action), UNLINK: unlink.map(action), PREFIX: prefix, ...(libmamba ? {} : { FETCH: newRecs.map(action) }) };
  if (o['dry-run']) {
    out(JSON.stringify({ actions, dry_run: true, prefix, success: true }, null, 2) + '\n');
    return;
  }
  if (create) partial = prefix;
  await fetchProgress(todo);
  mkdirSync(join(prefix, 'conda-meta'), { recursive: true });
  for (const r of unlink) rmSync(join(prefix, 'conda-meta', `${r.name}-${r.version}-${r.build}.json`), { force: true });
  for (const r of newRecs) writeFileSync(join(prefix, 'conda-meta', `${r.name}-${r.version}-${r.build}.json`), JSON.stringify(r));
  writeHistory(prefix, cmd, newRecs, unlink, specs, create ? 'create' : 'update');
  if (create) {
    mkdirSync(join(home, '.conda'), { recursive: true });
    appendFileSync(join(home, '.conda', 'environments.txt'), prefix + '\n');
  }
  partial = undefined;
  out(JSON.stringify({ actions, prefix, success: true }, null, 2) + '\n');
}

function specsFromFile(file) {
  const text = readFileSync(file, 'utf8');
  if (text.includes('@EXPLICIT')) {
    return {
      specs: text
        .split('\n')
        .filter((l) => /^https?:|^file:/.test(l))
        .map((u) => basename(u.split('#')[0] ?? u).replace(/\.(conda|tar\.bz2)$/, ''))
        .map((d) => {
          const parts = d.split('-');
          const build = parts.pop();
          const v = parts.pop();
          return `${parts.join('-')}=${v}=${build}`;
        }),
      // An explicit file is not solved: its packages come from the channels their URLs name.
      channels: [...new Set(text.split('\n').filter((l) => /^https?:|^file:/.test(l)).map((u) => basename(dirname(dirname(u.split('#')[0] ?? u)))))],
    };
  }
  const doc = parseYaml(text);
  return { specs: (doc.dependencies ?? []).filter((d) => typeof d === 'string'), channels: doc.channels ?? [], name: doc.name };
}

const cmdLine = `${join(root, 'bin', tool)} ${args.join(' ')}`;
const common = ['--json', '--yes', '-y', '--dry-run', '-n', '--name', '-p', '--prefix', '-c', '--channel', '--override-channels', '--offline'];
const [sub, ...rest] = args;
switch (sub) {
  case 'info': {
    const o = parseFlags(rest, ['--json', ...(libmamba ? [] : ['--envs', '-e'])]);
    if (!o.json) usage('this stand-in only prints --json');
    const envs = [root, ...(existsSync(envsDir) ? readdirSync(envsDir).map((n) => join(envsDir, n)) : [])];
    const dirs = [envsDir, join(home, '.conda', 'envs')];
    out(JSON.stringify(libmamba ? { 'micromamba version': version, 'libmamba version': version, 'base environment': root, 'envs directories': dirs, 'env location': '-', platform: 'linux-64' } : { conda_version: version, root_prefix: root, envs_dirs: dirs, envs, platform: 'linux-64', active_prefix: null }, null, 2) + '\n');
    break;
  }
  case 'create': {
    const o = parseFlags(rest, [...common, '-f', '--file', ...(libmamba ? [] : ['--clone'])]);
    if (!o.yes && !o.y && !o['dry-run']) usage('this stand-in cannot prompt; pass --yes');
    let specs = o.positional;
    let channels = o.channels;
    if (o.file) {
      const f = specsFromFile(o.file);
      specs = [...specs, ...f.specs];
      channels = [...channels, ...f.channels];
      if (!o.name && !o.prefix && f.name) o.name = f.name;
    }
    if (o.clone) specs = readRecords(resolve(o.clone.startsWith('/') ? o.clone : join(envsDir, o.clone))).map((r) => `${r.name}=${r.version}`);
    await link(prefixOf(o), specs, channels, o, { create: true, cmd: cmdLine });
    break;
  }
  case 'install':
  case 'update': {
    const o = parseFlags(rest, [...common, ...(libmamba ? [] : ['--revision'])]);
    const prefix = prefixOf(o);
    if (o.revision !== undefined) {
      // conda reconstructs revision N from the history and links what differs.
      const revs = readHistory(prefix);
      const n = Number(o.revision);
      if (!(n >= 0 && n < revs.length)) fail({ exception_name: 'CondaValueError', error: `CondaValueError: no such revision: ${o.revision}`, message: `no such revision: ${o.revision}` });
      const state = new Map();
      for (const rev of revs.slice(0, n + 1)) {
        for (const l of rev.split('\n')) {
          const m = /^([+-])[^:]*::(.+)-([^-]+)-([^-]+)$/.exec(l);
          if (!m) continue;
          if (m[1] === '+') state.set(m[2], { name: m[2], version: m[3], build: m[4] });
          else if (state.get(m[2])?.version === m[3]) state.delete(m[2]);
        }
      }
      const have = readRecords(prefix);
      const unlink = have.filter((r) => state.get(r.name)?.version !== r.version);
      const linkRecs = [...state.values()].filter((p) => !have.some((r) => r.name === p.name && r.version === p.version)).map((p) => record(p));
      const actions = { LINK: linkRecs.map(action), UNLINK: unlink.map(action), PREFIX: prefix };
      if (!o['dry-run']) {
        for (const r of unlink) rmSync(join(prefix, 'conda-meta', `${r.name}-${r.version}-${r.build}.json`), { force: true });
        for (const r of linkRecs) writeFileSync(join(prefix, 'conda-meta', `${r.name}-${r.version}-${r.build}.json`), JSON.stringify(r));
        writeHistory(prefix, cmdLine, linkRecs, unlink, []);
      }
      out(JSON.stringify({ actions, prefix, success: true, ...(o['dry-run'] ? { dry_run: true } : {}) }, null, 2) + '\n');
      break;
    }
    if (o.positional.length === 0) usage('too few arguments: give packages');
    await link(prefix, o.positional, o.channels, o, { create: false, cmd: cmdLine });
    break;
  }
  case 'remove': {
    const o = parseFlags(rest, [...common, '--all']);
    const prefix = prefixOf(o);
    const have = readRecords(prefix);
    const names = o.positional.map((s) => specToPkg(s).name);
    const missing = names.filter((n) => !have.some((r) => r.name === n));
    if (missing.length) fail({ exception_name: 'PackagesNotFoundError', error: 'PackagesNotFoundError: The following packages are missing from the target environment:', message: 'The following packages are missing from the target environment:', packages: missing, channel_urls: [] });
    const unlink = have.filter((r) => names.includes(r.name));
    const actions = { LINK: [], UNLINK: unlink.map(action), PREFIX: prefix };
    if (!o['dry-run']) {
      for (const r of unlink) rmSync(join(prefix, 'conda-meta', `${r.name}-${r.version}-${r.build}.json`), { force: true });
      writeHistory(prefix, cmdLine, [], unlink, o.positional, 'remove');
    }
    out(JSON.stringify({ actions, prefix, success: true, ...(o['dry-run'] ? { dry_run: true } : {}) }, null, 2) + '\n');
    break;
  }
  case 'rename': {
    if (libmamba) usage(`invalid choice: 'rename'`);
    const o = parseFlags(rest, ['--json', '-n', '--name', '-p', '--prefix', '--dry-run', '--force', '-d', '--yes', '-y']);
    const src = prefixOf(o);
    const dest = join(envsDir, o.positional[0] ?? usage('the following arguments are required: destination'));
    if (existsSync(dest)) fail({ exception_name: 'CondaEnvException', error: `CondaEnvException: The environment '${basename(dest)}' already exists.`, message: `The environment '${basename(dest)}' already exists.` });
    if (!o['dry-run']) {
      cpSync(src, dest, { recursive: true });
      rmSync(src, { recursive: true, force: true });
    }
    out(JSON.stringify({ success: true, prefix: dest }) + '\n');
    break;
  }
  case 'env': {
    const [envSub, ...envRest] = rest;
    if (envSub === 'remove') {
      const newConda = !libmamba && Number.parseFloat(version) >= 23.9;
      const o = parseFlags(envRest, ['--json', '-n', '--name', '-p', '--prefix', '--dry-run', ...(libmamba || newConda ? ['--yes', '-y'] : [])]);
      const prefix = prefixOf(o);
      if (!existsSync(join(prefix, 'conda-meta'))) fail({ exception_name: 'EnvironmentLocationNotFound', error: `EnvironmentLocationNotFound: Not a conda environment: ${prefix}`, message: `Not a conda environment: ${prefix}` });
      if (!o['dry-run']) rmSync(prefix, { recursive: true, force: true });
      // conda's `env remove` ignores --json and prints text; micromamba prints JSON.
      if (libmamba) out(JSON.stringify({ success: true, prefix }) + '\n');
      else out(`\nRemove all packages in environment ${prefix}:\n\n`);
      break;
    }
    if (envSub === 'create') {
      if (libmamba && tool === 'micromamba') usage(`invalid choice: 'env create'`);
      const o = parseFlags(envRest, ['--json', '-n', '--name', '-p', '--prefix', '-f', '--file', '--offline', '--force', '--yes', '-y']);
      const f = specsFromFile(o.file ?? usage('-f FILE is required'));
      if (!o.name && !o.prefix) o.name = f.name;
      await link(prefixOf(o), f.specs, f.channels, o, { create: true, cmd: cmdLine });
      break;
    }
    usage(`invalid choice: 'env ${envSub}'`);
    break;
  }
  default:
    usage(`invalid choice: '${sub}'`);
}
