// Enforces the layer table in ARCHITECTURE.md: imports point inward, areas of main/node do not import each other, and
// each layer imports only the packages it lists. Like VS Code's code-layering rule, it fails the build on a break. Usage: node scripts/lintLayers.mjs [root]
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const DOC = 'ARCHITECTURE.md "Layers"';

/** The layer folders, innermost first. `main/node/<area>/` is one layer whose areas may not import each other. */
const LAYERS = [
  ['main/common/', 'common'],
  ['main/base/', 'base'],
  ['main/node/', 'node'],
  ['main/server/', 'server'],
  ['kernels/', 'kernels'],
  ['renderer/', 'renderer'],
  ['electron/', 'electron'],
  ['e2e/', 'e2e'],
];

/** Which layers each layer may import (by relative path). Anything not listed is refused. */
const ALLOWED = {
  common: ['common'],
  base: ['common', 'base'],
  kernels: ['common', 'base', 'kernels'],
  node: ['common', 'base', 'kernels', 'node'],
  server: ['common', 'base', 'kernels', 'node', 'server'],
  renderer: ['common', 'renderer'],
  electron: ['common', 'base', 'kernels', 'node', 'server', 'electron'],
  e2e: ['common', 'e2e'],
};

/**
 * The packages each layer may import (a name, or a scope ending in "/"); anything else fails. Node built-ins are
 * allowed where `builtins` is true. Tests may also import what `tests` lists.
 */
export const PACKAGES = {
  common: { builtins: false, packages: ['zod'] },
  base: { builtins: true, packages: ['better-sqlite3'] },
  kernels: { builtins: true, packages: ['@jupyterlab/services', 'ws'] },
  node: { builtins: true, packages: ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'conf', 'dockerode', 'node-pty', 'simple-git', 'yaml'] },
  server: { builtins: true, packages: ['ws', 'yaml'], tests: ['better-sqlite3', 'dockerode'] },
  renderer: { builtins: false, packages: ['react', 'react-dom', '@xterm/', 'monaco-editor', 'recharts', 'dompurify', 'katex', 'marked', 'lucide-react'], tests: ['jsdom'] },
  electron: { builtins: true, packages: ['electron', 'electron-store'], tests: ['yaml'] },
  e2e: { builtins: true, packages: ['@playwright/test', 'playwright-core'] },
};
const TEST_PACKAGES = ['vitest'];

/** The layer a repo-relative path belongs to, or undefined for files outside the table. */
export function layerOf(rel) {
  const p = rel.split(sep).join('/');
  for (const [prefix, layer] of LAYERS) if (p.startsWith(prefix)) return layer;
  return undefined;
}

/** The area folder of a file under main/node/ ("jobs" for main/node/jobs/x.ts), else undefined. */
export function areaOf(rel) {
  const m = /^main\/node\/([^/]+)\//.exec(rel.split(sep).join('/'));
  return m?.[1];
}

/** Inside the renderer: which folders each folder may import. `panels/<area>` may import only its own area. */
const RENDERER_ALLOWED = { platform: ['platform'], shared: ['shared', 'platform'], panels: ['shared', 'platform', 'panels'], app: ['app', 'panels', 'shared', 'platform'] };

function rendererPart(rel) {
  const m = /^renderer\/(app|panels|platform|shared)\/(?:([^/]+)\/)?/.exec(rel.split(sep).join('/'));
  return m ? { part: m[1], area: m[1] === 'panels' ? m[2] : undefined } : undefined;
}

function checkRendererImport(fromRel, targetRel, spec) {
  const from = rendererPart(fromRel);
  const to = rendererPart(targetRel);
  if (!from || !to) return undefined; // renderer/main.tsx, index.html and the like sit above the folders
  if (!RENDERER_ALLOWED[from.part].includes(to.part)) return `renderer/${from.part} may not import renderer/${to.part} (${spec}); see ${DOC}`;
  if (from.part === 'panels' && to.part === 'panels' && from.area !== to.area) {
    return `renderer/panels/${from.area} may not import another panel (${spec}): share it from renderer/shared; see ${DOC}`;
  }
  return undefined;
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const listed = (list, name) => list.some((p) => (p.endsWith('/') ? name.startsWith(p) : name === p));

/** Returns a message if importing `spec` from repo-relative `fromRel` breaks the table, else undefined. */
export function checkImport(fromRel, spec) {
  const from = layerOf(fromRel);
  // Build tooling that sits beside a layer (vite.config.ts, playwright.config.ts) runs in Node at build time.
  if (!from || /\.config\.[cm]?[jt]s$/.test(fromRel)) return undefined;
  const isTest = /\.test\.tsx?$/.test(fromRel);
  if (spec.startsWith('.')) {
    const targetRel = join(dirname(fromRel), spec);
    const target = layerOf(targetRel);
    if (target === undefined) {
      // Outside the table: only tooling (scripts/, config) may be reached, and only by tests and e2e.
      return from === 'e2e' || isTest ? undefined : `${from} may not import ${spec} (outside the layer folders); see ${DOC}`;
    }
    if (!ALLOWED[from].includes(target)) return `${from} may not import ${target} (${spec}); see ${DOC}`;
    // Areas talk through their contracts in main/common or are wired in the composition root; tests may compose areas.
    if (from === 'node' && target === 'node' && !isTest && areaOf(targetRel) !== areaOf(fromRel)) {
      return `main/node/${areaOf(fromRel)} may not import another area (${spec}): go through its contract in main/common or the composition root; see ${DOC}`;
    }
    if (from === 'renderer' && target === 'renderer') return checkRendererImport(fromRel, targetRel, spec);
    return undefined;
  }
  const rules = PACKAGES[from];
  if (BUILTINS.has(spec)) {
    if (rules.builtins || (isTest && from === 'renderer')) return undefined;
    return from === 'common'
      ? `main/common is the platform-free contract: no Node built-ins (${spec}); see ${DOC}`
      : `the renderer runs in a browser: no Node built-ins (${spec}); see ${DOC}`;
  }
  const name = packageName(spec);
  if (listed(rules.packages, name) || (isTest && (listed(TEST_PACKAGES, name) || listed(rules.tests ?? [], name)))) return undefined;
  if (/^electron(-store|-builder)?$/.test(name)) return `only electron/ may import ${spec}; see ${DOC}`;
  return `${from} may not import the package ${name}: it is not in that layer's list (PACKAGES in scripts/lintLayers.mjs); see ${DOC}`;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;(=])import\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The module specifiers a source text imports. */
export function importsOf(text) {
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  return [...clean.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts|mjs|cjs|js)$/.test(e.name)) yield p;
  }
}

/** Every violation under `root`. */
export function lint(root) {
  const out = [];
  for (const top of ['main', 'kernels', 'renderer', 'electron', 'e2e']) {
    let files;
    try {
      files = [...walk(join(root, top))];
    } catch {
      continue;
    }
    for (const f of files) {
      const rel = relative(root, f);
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        const msg = checkImport(rel, spec);
        if (msg) out.push(`${rel}: ${msg}`);
      }
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const problems = lint(root);
  for (const p of problems) console.error(`layer violation: ${p}`);
  console.log(problems.length ? `lint: ${problems.length} layer violation(s); see ${DOC}` : 'lint: layers OK');
  process.exit(problems.length ? 1 : 0);
}
