import { z } from 'zod';
import type { Event } from './event';
import { defineChannel, type CallContext } from './rpc';
import { matchSpecProblem } from './matchSpec';

/** The conda-compatible command-line tools Lathe drives. */
export type CondaTool = 'conda' | 'mamba' | 'micromamba';

/** One conda installation (a tool executable and the root prefix it owns). */
export interface CondaInstallation {
  tool: CondaTool;
  /** The executable Lathe runs. */
  exe: string;
  /** The base env's prefix (micromamba: its root prefix), when known. */
  rootPrefix?: string;
  version?: string;
  /** Where it creates named envs, in order. */
  envsDirs: string[];
  /** How it was found: "PATH", "CONDA_EXE", "MAMBA_EXE", "setting" or "root ~/miniforge3". */
  source: string;
  /** Set when `info --json` failed; the installation is still listed. */
  problem?: string;
}

/** What the env list shows for one env. Read from disk, never by running conda. */
export interface EnvSummary {
  /** "base" for a root prefix, the folder name for an env in an envs dir, else the folder name too. */
  name: string;
  prefix: string;
  /** Whether `name` resolves the env with `-n` (it lives in an envs dir or is a base). */
  named: boolean;
  isBase: boolean;
  /** The installation's exe that owns it (by location, or the one recorded in its history). */
  owner?: string;
  python?: string;
  /** Bytes on disk (apparent size, hard links counted once); absent until the background scan gets to it. */
  sizeBytes?: number;
  hasIpykernel: boolean;
  hasJupyterServer: boolean;
  /** ISO time of the last change to the env (its conda-meta/history). */
  modifiedAt?: string;
  /** conda packages (pip packages are counted by `show`). */
  packageCount: number;
  /** The kernelspec Lathe keeps for it, when it has ipykernel. */
  kernelName?: string;
  /** Why the env could not be read fully (e.g. a corrupt conda-meta record); it is still listed. */
  problem?: string;
}

/** One installed package. */
export interface EnvPackage {
  name: string;
  version: string;
  build: string;
  /** Channel name for conda packages ("conda-forge"), "pypi" for pip. */
  channel: string;
  source: 'conda' | 'pip';
}

/** One revision from conda-meta/history. */
export interface EnvRevision {
  rev: number;
  date: string;
  /** The command that made it, when recorded. */
  command?: string;
  /** Specs the user asked for ("numpy>=1.26") and specs removed. */
  requested: string[];
  removedSpecs: string[];
  /** Package dists linked and unlinked. */
  added: string[];
  removed: string[];
}

/** Everything about one env. */
export interface EnvDetail extends EnvSummary {
  packages: EnvPackage[];
  history: EnvRevision[];
  /** Variables an activated env gets (PATH, CONDA_PREFIX, CONDA_DEFAULT_ENV, activate.d and `conda env config vars`). */
  activation: Record<string, string>;
}

/** The env list with where it came from. */
export interface EnvList {
  envs: EnvSummary[];
  installations: CondaInstallation[];
  /** The installation whose tool runs changes (the user's choice, else the first found). */
  defaultExe?: string;
  /** When the list was last scanned (ISO). */
  scannedAt?: string;
  /** True while a background refresh runs; a change event follows. */
  refreshing: boolean;
}

/** A package change one operation would make. */
export interface PlannedPackage {
  name: string;
  /** Before (absent for a new package). */
  from?: string;
  /** After (absent for a removed package). */
  to?: string;
  channel?: string;
}

/** What an operation would do (conda's dry run), grouped for people. */
export interface EnvPlan {
  prefix?: string;
  install: PlannedPackage[];
  remove: PlannedPackage[];
  upgrade: PlannedPackage[];
  downgrade: PlannedPackage[];
  /** Same version, different build or channel. */
  change: PlannedPackage[];
  /** True when nothing would change ("All requested packages already installed."). */
  nothingToDo: boolean;
  message?: string;
}

/** The result of an applied operation. */
export interface EnvOpResult {
  prefix?: string;
  plan?: EnvPlan;
  message: string;
}

/** One progress record of a running operation. */
export interface EnvProgress {
  opId: string;
  /** fetch: a download's fraction; progress: the whole operation's fraction (pack, unpack); log: a line of output; done: finished (ok or not). */
  kind: 'fetch' | 'progress' | 'log' | 'done';
  text: string;
  /** 0..1 for fetch records. */
  fraction?: number;
}

/** A conda MatchSpec (matchSpec.ts); each goes to conda as one argv element, never through a shell. */
const PackageSpec = z
  .string()
  .max(1000)
  .superRefine((spec, ctx) => {
    const problem = matchSpecProblem(spec);
    if (problem) ctx.addIssue({ code: 'custom', message: `"${spec}" is not a conda package spec: ${problem}. Examples: numpy, numpy>=1.26,<2, conda-forge::numpy=1.26=*_0, numpy[version='>=1.26']` });
  });
const Channel = z.string().min(1).max(500).regex(/^[^\s;|&$`'"\\<>]+$/, 'a channel name or URL (no spaces)');
/** An env named by name ("iris") or by absolute prefix ("/home/me/envs/iris"). */
export const EnvRefSchema = z.string().min(1).max(4096);
const EnvName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/, 'an env name of letters, digits, ".", "_", "+" or "-" (no slashes or spaces)');
const OpId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an operation id of letters, digits, "_" or "-"');
/** Where a new env goes: a name (in the tool's first envs dir) or a prefix. */
const Target = z.object({ name: EnvName.optional(), prefix: z.string().min(1).max(4096).optional() });
const Common = { opId: OpId, channels: z.array(Channel).max(50).optional(), offline: z.boolean().optional() };

/** A change to envs, done through the chosen tool's CLI. */
export const EnvOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), ...Target.shape, packages: z.array(PackageSpec).max(500), ...Common }).strict(),
  z.object({ op: z.literal('createFromFile'), ...Target.shape, file: z.string().min(1).max(4 * 1024 * 1024), ...Common }).strict(),
  z.object({ op: z.literal('clone'), source: EnvRefSchema, ...Target.shape, ...Common }).strict(),
  z.object({ op: z.literal('rename'), env: EnvRefSchema, newName: EnvName, ...Common }).strict(),
  z.object({ op: z.literal('remove'), env: EnvRefSchema, ...Common }).strict(),
  z.object({ op: z.enum(['install', 'update', 'uninstall']), env: EnvRefSchema, packages: z.array(PackageSpec).min(1).max(500), ...Common }).strict(),
  z.object({ op: z.literal('rollback'), env: EnvRefSchema, revision: z.number().int().nonnegative(), ...Common }).strict(),
]);
/** A change to envs. */
export type EnvOperation = z.infer<typeof EnvOperationSchema>;
/** A change to envs before its caller gives it an opId. */
export type EnvOperationDraft = EnvOperation extends infer T ? (T extends unknown ? Omit<T, 'opId'> : never) : never;

/** Archive formats for packed envs. */
export type PackFormat = 'tar.gz' | 'tar.zst';

/** What a packed env archive says about itself (`.lathe-pack/manifest.json` inside, `<file>.manifest.json` beside it). */
export interface PackManifest {
  kind: 'lathe-env-pack';
  formatVersion: 1;
  name: string;
  version: string;
  /** Lowercase name for registries; jobs and models refer to `slug@sha256`. */
  slug: string;
  python?: string;
  /** conda subdir, e.g. linux-64. */
  platform: string;
  packages: { name: string; version: string; build: string; channel: string }[];
  /** Unpacked bytes and files. */
  sizeBytes: number;
  fileCount: number;
  createdBy: string;
  createdAt: string;
  sourcePrefix: string;
  sourceHost: string;
  /** Files with the source prefix baked in, rewritten on unpack. */
  relocate: { path: string; mode: 'text' | 'binary' }[];
}

/** A packed env. */
export interface PackResult {
  file: string;
  format: PackFormat;
  /** sha256 of the archive file. */
  sha256: string;
  archiveBytes: number;
  manifest: PackManifest;
}

/** An unpacked env. */
export interface UnpackResult {
  prefix: string;
  manifest?: PackManifest;
  /** How it was relocated: Lathe's manifest, the archive's own conda-unpack (conda-pack archives), or not at all. */
  method: 'lathe' | 'conda-unpack' | 'none';
  /** Files rewritten for the new prefix. */
  relocatedFiles: number;
}

/** Export formats: conda's environment.yml (full, or only what was asked for), or an @EXPLICIT list of URLs with hashes. */
export const ExportFormatSchema = z.enum(['yaml', 'yaml-from-history', 'yaml-no-builds', 'explicit']);
/** An export format. */
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

const AbsPath = z.string().min(1).max(4096).regex(/^(\/|[A-Za-z]:[\\/])/, 'an absolute path');
const Version = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'a version like 1.2.0 (letters, digits, ".", "_", "+", "-")');
/** Pack an env into an archive on the core's machine. */
export const PackRequestSchema = z.object({ opId: OpId, env: EnvRefSchema, output: AbsPath, format: z.enum(['tar.gz', 'tar.zst']).optional(), version: Version.optional() }).strict();
/** Unpack an archive into a new env folder and register it with conda. */
/**
 * Unpack an archive to a new env. An archive without Lathe's manifest can only be relocated by its own
 * bin/conda-unpack, run with its own bin/python: code from the archive, so it runs only with `runArchiveScript`.
 */
export const UnpackRequestSchema = z.object({ opId: OpId, archive: AbsPath, dest: AbsPath, runArchiveScript: z.boolean().optional() }).strict();
/** Publish an env to the registry. */
export const PublishRequestSchema = z.object({ opId: OpId, env: EnvRefSchema, version: Version.optional(), format: z.enum(['tar.gz', 'tar.zst']).optional() }).strict();
/** A published env: "slug", "slug@version" or "slug@sha256:HEX" (at least 12 hex digits). */
export const PublishedRefSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}(@([A-Za-z0-9][A-Za-z0-9._+-]{0,63}|sha256:[0-9a-f]{12,64}))?$/, 'slug, slug@version or slug@sha256:HEX');
/** Install a published env as a new local env. */
export const InstallPublishedSchema = z.object({ opId: OpId, ref: PublishedRefSchema, name: EnvName.optional() }).strict();
/** Pack request. */
export type PackRequest = z.infer<typeof PackRequestSchema>;
/** Unpack request. */
export type UnpackRequest = z.infer<typeof UnpackRequestSchema>;
/** Publish request. */
export type PublishRequest = z.infer<typeof PublishRequestSchema>;
/** Install-from-registry request. */
export type InstallPublishedRequest = z.infer<typeof InstallPublishedSchema>;

/** An env in the registry. */
export interface PublishedEnv extends PackManifest {
  sha256: string;
  archiveBytes: number;
  /** Where the registry keeps it (a path or URL). */
  location: string;
}

/** Finds, inspects and changes conda environments. */
export interface IEnvService {
  /** The env list: the cached one at once; `refresh` waits for a fresh scan instead. */
  list(options?: { refresh?: boolean }): Promise<EnvList>;
  /** One env with its packages, history and activation variables. */
  show(ref: string): Promise<EnvDetail>;
  /** Picks the installation whose tool runs changes. */
  setDefault(exe: string): Promise<EnvList>;
  /** What an operation would change (dry run); nothing is written. */
  plan(operation: EnvOperation, ctx?: CallContext): Promise<EnvPlan>;
  /** Runs an operation; progress streams on onDidProgress; cancelling the call stops the tool. */
  apply(operation: EnvOperation, ctx?: CallContext): Promise<EnvOpResult>;
  /** An env as environment.yml or an explicit spec, read from its conda-meta (no conda needed). */
  export(ref: string, format: ExportFormat): Promise<string>;
  /** Packs an env into a relocatable archive (conda-pack layout) with a manifest. */
  pack(request: PackRequest, ctx?: CallContext): Promise<PackResult>;
  /** Unpacks an archive to a new prefix, relocates it and registers it in environments.txt. */
  unpack(request: UnpackRequest, ctx?: CallContext): Promise<UnpackResult>;
  /** Packs an env and puts it in the registry (settings: envs.registry). */
  publish(request: PublishRequest, ctx?: CallContext): Promise<PublishedEnv>;
  /** The registry's envs, newest first. */
  listPublished(): Promise<PublishedEnv[]>;
  /** Downloads a published env, checks its sha256, and unpacks it as a new local env. */
  installPublished(request: InstallPublishedRequest, ctx?: CallContext): Promise<UnpackResult>;
  /** Deletes one published version ("slug@version" or "slug@sha256:…"). */
  deletePublished(ref: string): Promise<PublishedEnv>;
  /** Fires with the new list after a scan finds a change. */
  readonly onDidChange: Event<EnvList>;
  /** Progress of one operation, by the opId its caller chose. */
  onDidProgress(arg: { opId: string }, ctx?: CallContext): Event<EnvProgress>;
}

/** The envs channel's allowlist. */
export const EnvChannel = defineChannel<IEnvService>({
  name: 'envs',
  methods: {
    list: [z.object({ refresh: z.boolean().optional() }).strict().optional()],
    show: [EnvRefSchema],
    setDefault: [z.string().min(1).max(4096)],
    plan: [EnvOperationSchema],
    apply: [EnvOperationSchema],
    export: [EnvRefSchema, ExportFormatSchema],
    pack: [PackRequestSchema],
    unpack: [UnpackRequestSchema],
    publish: [PublishRequestSchema],
    listPublished: [],
    installPublished: [InstallPublishedSchema],
    deletePublished: [PublishedRefSchema],
  },
  events: { onDidChange: null, onDidProgress: z.object({ opId: OpId }).strict() },
});

/** The kernelspec name Lathe gives an env's kernel: "conda-" and the env name, lowercased and cleaned. */
export function envKernelName(env: { name: string; prefix: string; isBase: boolean }, taken?: ReadonlySet<string>): string {
  const base = `conda-${env.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`.slice(0, 56);
  if (!taken?.has(base)) return base;
  // Two envs with the same folder name in different places: a short prefix hash keeps names stable.
  let h = 0;
  for (const ch of env.prefix) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return `${base}-${(h >>> 0).toString(36).slice(0, 6)}`;
}
