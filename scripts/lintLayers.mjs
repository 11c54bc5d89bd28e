// Enforces the layer table in ../shared/STYLE.md: imports point inward. Like VS Code's code-layering rule,
// it fails the build on an import that crosses a layer. Usage: node scripts/lintLayers.mjs [root]
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const ELECTRON = /^(electron|electron-store|electron-builder)(\/|$)/;
const UI_PACKAGES = /^(react|react-dom|@xterm\/|monaco-editor|recharts|@vitejs\/)/;
const SERVER_PACKAGES = /^(ws|node-pty|better-sqlite3|conf|dockerode|simple-git|@jupyterlab\/services)(\/|$)/;

/** The layer a repo-relative path belongs to, or undefined for files outside the table. */
export function layerOf(rel) {
  const p = rel.split(sep).join('/');
  for (const [prefix, layer] of [
    ['main/common/', 'common'],
    ['main/node/', 'node'],
    ['main/server/', 'server'],
    ['kernels/', 'kernels'],
    ['renderer/', 'renderer'],
    ['electron/', 'electron'],
    ['e2e/', 'e2e'],
  ]) {
    if (p.startsWith(prefix)) return layer;
  }
  return undefined;
}

/** Which layers each layer may import (by relative path). */
const ALLOWED = {
  common: ['common'],
  node: ['common', 'node', 'kernels'],
  kernels: ['common', 'kernels'],
  server: ['common', 'node', 'kernels', 'server'],
  renderer: ['common', 'renderer'],
  electron: ['common', 'node', 'kernels', 'server', 'electron'],
  e2e: ['common', 'e2e'],
};

/** Returns a message if importing `spec` from repo-relative `fromRel` breaks the table, else undefined. */
export function checkImport(fromRel, spec) {
  const from = layerOf(fromRel);
  // Build tooling that sits beside a layer (vite.config.ts, playwright.config.ts) runs in Node at build time.
  if (!from || /\.config\.[cm]?[jt]s$/.test(fromRel)) return undefined;
  const isTest = /\.test\.tsx?$/.test(fromRel);
  if (spec.startsWith('.')) {
    const target = layerOf(join(dirname(fromRel), spec));
    if (target === undefined) {
      // Outside the table: only tooling (scripts/, config) may be reached, and only by tests and the shell's build.
      return from === 'e2e' || isTest ? undefined : `${from} may not import ${spec} (outside the layer folders)`;
    }
    if (!ALLOWED[from].includes(target)) return `${from} may not import ${target} (${spec})`;
    return undefined;
  }
  if (ELECTRON.test(spec) && from !== 'electron') return `only electron/ may import ${spec}`;
  if (from === 'common') {
    if (BUILTINS.has(spec)) return `main/common is the platform-free contract: no Node built-ins (${spec})`;
    if (UI_PACKAGES.test(spec) || SERVER_PACKAGES.test(spec)) return `main/common may not import ${spec}`;
  }
  if (from === 'renderer') {
    if (BUILTINS.has(spec) && !isTest) return `the renderer runs in a browser: no Node built-ins (${spec})`;
    if (SERVER_PACKAGES.test(spec)) return `the renderer may not import the server-side package ${spec}`;
  }
  if ((from === 'node' || from === 'kernels' || from === 'server') && UI_PACKAGES.test(spec)) return `${from} may not import the UI package ${spec}`;
  return undefined;
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
  console.log(problems.length ? `lint: ${problems.length} layer violation(s); see ../shared/STYLE.md "Folders are layers"` : 'lint: layers OK');
  process.exit(problems.length ? 1 : 0);
}
