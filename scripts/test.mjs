// The one test command (`npm test`): typecheck, layer lint, ESLint, the Electron shell's static scan, build, unit + integration tests (vitest),
// e2e in Debian Chromium (Playwright). Ends with one plain line "N passed, N failed, N skipped" for CI.
// `--no-e2e` skips the browser suite (reported as skipped, not passed).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}.test-output`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const node = process.execPath;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const notes = [];
const failedTests = [];

function firstLine(text) {
  const line = String(text ?? '').split('\n').find((l) => l.trim()) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function run(name, args) {
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const r = spawnSync(node, args, { cwd: root, stdio: 'inherit', env });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

/** A check that is not a test runner (typecheck, lint, build) counts as one test. */
function check(name, args) {
  const ok = run(name, args);
  totals[ok ? 'passed' : 'failed']++;
  if (!ok) failures.push(name);
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

check('typecheck', ['scripts/typecheck.mjs']);
check('lint (layers)', ['scripts/lintLayers.mjs']);
check('lint (eslint)', ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.']);
check('scan (electronegativity)', ['scripts/scanElectron.mjs']);
const built = check('build', ['scripts/build.mjs']);

const vitestOk = run('unit + integration (vitest)', ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}/vitest.json`]);
const v = readJson(`${out}/vitest.json`);
if (v) {
  totals.passed += v.numPassedTests;
  totals.failed += v.numFailedTests;
  totals.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
  if (v.numFailedTests) failures.push(`vitest: ${v.numFailedTests} failed`);
  // Name each failed test at the end: CI shows only the tail of the output.
  for (const file of v.testResults ?? [])
    for (const t of file.assertionResults ?? [])
      if (t.status === 'failed') failedTests.push(`${file.name.slice(root.length)} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  // A suite that fails to load has no failed tests but still fails the run.
  if (!vitestOk && !v.numFailedTests) {
    totals.failed++;
    failures.push('vitest: a test file failed to load');
  }
} else {
  totals.failed++;
  failures.push('vitest: no report (it crashed)');
}

if (process.argv.includes('--no-e2e') || !built) {
  notes.push(built ? 'e2e skipped (--no-e2e)' : 'e2e not run: the build failed');
  totals.skipped++;
} else {
  const e2eOk = run('e2e (Playwright, Debian Chromium)', ['node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts']);
  const e = readJson(`${out}/e2e.json`);
  if (e?.stats) {
    totals.passed += e.stats.expected + (e.stats.flaky ?? 0);
    totals.failed += e.stats.unexpected;
    totals.skipped += e.stats.skipped;
    if (e.stats.unexpected) failures.push(`e2e: ${e.stats.unexpected} failed`);
    if (!e2eOk && !e.stats.unexpected) {
      totals.failed++;
      failures.push('e2e: the run failed outside any test (see above)');
    }
    for (const s of e.suites ?? []) collectSkips(s);
    for (const s of e.suites ?? []) collectFailures(s, []);
  } else {
    totals.failed++;
    failures.push(`e2e: no report${existsSync('/usr/bin/chromium') ? '' : ' (Chromium missing: run bash scripts/setup.sh)'}`);
  }
}

function collectFailures(suite, path) {
  const here = suite.title ? [...path, suite.title] : path;
  for (const spec of suite.specs ?? [])
    for (const t of spec.tests ?? [])
      if (t.status === 'unexpected') {
        const err = t.results?.at(-1)?.error?.message;
        failedTests.push(`e2e ${[...here, spec.title].join(' > ')}: ${firstLine(err)}`);
      }
  for (const s of suite.suites ?? []) collectFailures(s, here);
}

function collectSkips(suite) {
  for (const spec of suite.specs ?? [])
    for (const t of spec.tests ?? [])
      for (const a of t.annotations ?? []) if (a.type === 'skip') notes.push(`skipped "${spec.title}": ${a.description}`);
  for (const s of suite.suites ?? []) collectSkips(s);
}

console.log('');
for (const n of notes) console.log(`note: ${n}`);
for (const t of failedTests) console.log(`FAILED TEST: ${t}`);
for (const f of failures) console.log(`FAILED: ${f}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
