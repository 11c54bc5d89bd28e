// Static security scan of the desktop shell with Electronegativity (npm test runs it). The shell's own files (not
// its tests, whose fixtures are hostile on purpose) are scanned for the Electron version in package.json. Every
// finding must be one that electron/electronegativity-reviewed.json lists with a reason; anything else fails,
// and so does a reviewed entry that no longer matches (the list must stay true).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electronVersion = String(pkg.devDependencies.electron).replace(/^[^\d]*/, '');
/** @type {{ reviewed: { check: string; file: string; why: string }[] }} */
const reviewed = JSON.parse(readFileSync(join(root, 'electron', 'electronegativity-reviewed.json'), 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'lathe-scan-'));
try {
  const src = join(work, 'electron');
  spawnSync('mkdir', ['-p', src]);
  for (const f of readdirSync(join(root, 'electron'))) if (f.endsWith('.ts') && !f.endsWith('.test.ts')) copyFileSync(join(root, 'electron', f), join(src, f));
  // SARIF, not CSV: the tool writes a CSV's header and its rows with two concurrent writes, and the header sometimes
  // lands over the first row (a CI run read 0 findings that way); the SARIF report is written once.
  const report = join(work, 'findings.sarif');
  const bin = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
  // AvailableSecurityFixesGlobalCheck (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) downloads Electron's release list from GitHub, which a machine may not reach
  // (and the result then varied from run to run); the Electron version is pinned in package.json and upgraded there.
  const args = [bin, '-i', src, '-e', electronVersion, '-r', '-v', 'false', '-x', 'AvailableSecurityFixesGlobalCheck', '-o', report];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  /** @type {{ runs: { results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[] }} */
  let sarif;
  try {
    sarif = JSON.parse(readFileSync(report, 'utf8'));
  } catch (err) {
    console.error(`scan: Electronegativity wrote no readable report (exit ${r.status}; ${err instanceof Error ? err.message : err}):\n${(r.stderr || r.stdout).slice(-2000)}`);
    process.exit(1);
  }
  const findings = (sarif.runs[0]?.results ?? []).map((x) => {
    const loc = x.locations[0]?.physicalLocation;
    return { check: x.ruleId, severity: x.level, file: loc?.artifactLocation.uri ?? '', location: `${loc?.region.startLine ?? 0}:${loc?.region.startColumn ?? 0}`, description: x.message.text };
  });
  const unreviewed = findings.filter((f) => !reviewed.reviewed.some((x) => x.check === f.check && x.file === f.file));
  const stale = reviewed.reviewed.filter((x) => !findings.some((f) => f.check === x.check && f.file === x.file));
  for (const f of unreviewed) console.error(`scan: electron/${f.file}:${f.location} ${f.check} (${f.severity}): ${f.description}. Fix it, or review it and add it with a reason to electron/electronegativity-reviewed.json.`);
  for (const x of stale) console.error(`scan: electron/electronegativity-reviewed.json lists ${x.check} in ${x.file}, which the scan no longer finds: remove the entry.`);
  console.log(`scan: Electronegativity ${findings.length} finding(s) on electron/ (Electron ${electronVersion}): ${findings.length - unreviewed.length} reviewed, ${unreviewed.length} not.`);
  process.exit(unreviewed.length || stale.length ? 1 : 0);
} finally {
  rmSync(work, { recursive: true, force: true });
}
