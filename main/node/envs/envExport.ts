import { YAMLParseError, parseDocument, stringify } from 'yaml';
import { AppError } from '../../common/errors';
import type { ExportFormat } from '../../common/envs';
import { channelName, pipPackages, readHistory, readRecords, requestedSpecs, type CondaRecord } from './condaMeta';

/** What Lathe needs from an environment.yml. */
export interface EnvironmentFile {
  name?: string;
  prefix?: string;
  channels: string[];
  /** conda specs ("numpy=1.26"). */
  conda: string[];
  /** pip requirement lines from the `pip:` sub-list. */
  pip: string[];
  /** `variables:`: environment variables the env sets when activated (conda-meta/state). */
  variables: Record<string, string>;
}

/** Whether a spec file is conda's explicit format (`@EXPLICIT` and one package URL a line), as `export --explicit` writes. */
export function isExplicitSpec(text: string): boolean {
  return /^@EXPLICIT\s*$/m.test(text);
}

/** The packages of an explicit spec file, from their URLs (…/name-version-build.conda or .tar.bz2). */
export function parseExplicitFile(text: string, fileName = 'explicit.txt'): { name: string; version: string; build: string; url: string }[] {
  const out: { name: string; version: string; build: string; url: string }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === '@EXPLICIT') continue;
    const url = line.split('#')[0]!.trim();
    const m = /\/([^/]+)-([^-/]+)-([^-/]+)\.(conda|tar\.bz2)$/.exec(url);
    if (!/^(https?|file):\/\//.test(url) || !m) throw new AppError('ENV_FILE_INVALID', `${fileName} line ${i + 1}: "${line.slice(0, 120)}" is not a package URL (an explicit file lists …/name-version-build.conda or .tar.bz2 URLs after @EXPLICIT).`);
    out.push({ name: m[1]!, version: m[2]!, build: m[3]!, url });
  }
  if (!out.length) throw new AppError('ENV_FILE_INVALID', `${fileName} has @EXPLICIT but no package URLs.`);
  return out;
}

/** Parses an environment.yml; a YAML or shape error names the line and what to fix. */
export function parseEnvironmentFile(text: string, fileName = 'environment.yml'): EnvironmentFile {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0] as YAMLParseError;
    const before = text.slice(0, e.pos[0]);
    const line = before.split('\n').length;
    const where = `line ${line}, column ${e.pos[0] - before.lastIndexOf('\n')}`;
    throw new AppError('ENV_FILE_INVALID', `${fileName} is not valid YAML at ${where}: ${e.message.split('\n')[0]}. Fix the file (indent list items under "dependencies:") and try again.`);
  }
  let j: unknown;
  try {
    j = doc.toJS();
  } catch (err) {
    // An alias to an anchor that is not there (or comes later), or too many aliases.
    throw new AppError('ENV_FILE_INVALID', `${fileName} is not valid YAML: ${(err as Error).message.split('\n')[0]}. Fix the file and try again.`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new AppError('ENV_FILE_INVALID', `${fileName} must be a mapping with "dependencies:" (and optionally "name:" and "channels:").`);
  const o = j as Record<string, unknown>;
  const strList = (v: unknown, field: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new AppError('ENV_FILE_INVALID', `${fileName}: "${field}" must be a list.`);
    return v.map((x, i) => {
      if (typeof x === 'string' || typeof x === 'number') return String(x);
      throw new AppError('ENV_FILE_INVALID', `${fileName}: ${field}[${i}] must be a string like "numpy=1.26".`);
    });
  };
  const conda: string[] = [];
  const pip: string[] = [];
  const deps = o.dependencies;
  if (deps !== undefined && !Array.isArray(deps)) throw new AppError('ENV_FILE_INVALID', `${fileName}: "dependencies" must be a list.`);
  for (const [i, d] of (deps ?? []).entries()) {
    if (typeof d === 'string' || typeof d === 'number') conda.push(String(d));
    else if (d && typeof d === 'object' && 'pip' in d) pip.push(...strList((d as { pip: unknown }).pip, `dependencies[${i}].pip`));
    else throw new AppError('ENV_FILE_INVALID', `${fileName}: dependencies[${i}] must be a spec string or a "pip:" list.`);
  }
  const variables: Record<string, string> = {};
  if (o.variables !== undefined && o.variables !== null) {
    if (typeof o.variables !== 'object' || Array.isArray(o.variables)) throw new AppError('ENV_FILE_INVALID', `${fileName}: "variables" must be a mapping of NAME: value.`);
    for (const [k, v] of Object.entries(o.variables)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new AppError('ENV_FILE_INVALID', `${fileName}: variables: "${k}" is not an environment variable name (letters, digits and _, not starting with a digit).`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new AppError('ENV_FILE_INVALID', `${fileName}: variables.${k} must be a string.`);
      variables[k] = String(v);
    }
  }
  return {
    name: typeof o.name === 'string' ? o.name : undefined,
    prefix: typeof o.prefix === 'string' ? o.prefix : undefined,
    channels: strList(o.channels, 'channels'),
    conda,
    pip,
    variables,
  };
}

/** Channels in the order most packages came from, as conda lists them in an export. */
function channelsOf(records: CondaRecord[]): string[] {
  const count = new Map<string, number>();
  for (const r of records) {
    const c = channelName(r.channel, r.url);
    if (c && c !== 'pypi' && c !== '<develop>') count.set(c, (count.get(c) ?? 0) + 1);
  }
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

/** Records ordered so each comes after what it depends on (python before noarch packages), as explicit installs need. */
function dependencyOrder(records: CondaRecord[]): CondaRecord[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  const out: CondaRecord[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (r: CondaRecord) => {
    if (state.get(r.name)) return; // done, or a cycle (conda has a few): keep going
    state.set(r.name, 1);
    for (const d of r.depends ?? []) {
      const dep = byName.get(d.split(/[\s=<>!]/)[0]!);
      if (dep) visit(dep);
    }
    state.set(r.name, 2);
    out.push(r);
  };
  for (const r of records) visit(r);
  return out;
}

/** Exports an env from its conda-meta records and history: no conda needed, identical offline. */
export async function exportEnv(prefix: string, name: string, format: ExportFormat): Promise<string> {
  const { records, problems } = await readRecords(prefix);
  if (problems.length) throw new AppError('ENV_CORRUPT', `Cannot export ${prefix}: ${problems.join('; ')}.`);
  const conda = records.filter((r) => channelName(r.channel, r.url) !== 'pypi');
  if (format === 'explicit') {
    const missing = conda.filter((r) => !r.url);
    if (missing.length) throw new AppError('ENV_NO_URLS', `Cannot write an explicit spec: ${missing.map((r) => r.name).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no download URL in conda-meta (installed from a local build?). Export environment.yml instead.`);
    const subdir = conda.find((r) => r.subdir && r.subdir !== 'noarch')?.subdir ?? conda[0]?.subdir ?? 'noarch';
    const lines = dependencyOrder(conda).map((r) => (r.md5 ? `${r.url}#${r.md5}` : r.sha256 ? `${r.url}#sha256:${r.sha256}` : r.url!));
    return `# This file may be used to create an environment using:\n# $ conda create --name <env> --file <this file>\n# platform: ${subdir}\n# exported by Lathe from ${prefix}\n@EXPLICIT\n${lines.join('\n')}\n`;
  }
  let deps: (string | { pip: string[] })[];
  if (format === 'yaml-from-history') {
    deps = requestedSpecs(await readHistory(prefix));
  } else {
    deps = conda.map((r) => (format === 'yaml-no-builds' ? `${r.name}=${r.version}` : `${r.name}=${r.version}=${r.build}`));
    const pip = await pipPackages(prefix);
    if (pip.length) deps.push({ pip: pip.map((p) => `${p.name}==${p.version}`) });
  }
  return stringify({ name, channels: channelsOf(conda), dependencies: deps, prefix }, { indent: 2 });
}
