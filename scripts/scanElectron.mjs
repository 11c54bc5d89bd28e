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
  const csv = join(work, 'findings.csv');
  const bin = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
  // AvailableSecurityFixesGlobalCheck (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) downloads Electron's release list from GitHub, which a machine may not reach
  // (and the result then varied from run to run); the Electron version is pinned in package.json and upgraded there.
  const args = [bin, '-i', src, '-e', electronVersion, '-r', '-v', 'false', '-x', 'AvailableSecurityFixesGlobalCheck', '-o', csv];
  let r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  // An empty report is confirmed by a second run before it counts (the tool has returned none once, by chance).
  if (r.status === 0 && readFileSafe(csv).trim().split('\n').length <= 1) r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  let text;
  try {
    text = readFileSync(csv, 'utf8');
  } catch {
    console.error(`scan: Electronegativity wrote no findings file (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
    process.exit(1);
  }
  const rows = parseCsv(text).slice(1).filter((row) => row.length > 3);
  const findings = rows.map((row) => ({ check: row[0] ?? '', severity: row[1] ?? '', file: row[3] ?? '', location: row[4] ?? '', description: row[6] ?? '' }));
  const unreviewed = findings.filter((f) => !reviewed.reviewed.some((x) => x.check === f.check && x.file === f.file));
  const stale = reviewed.reviewed.filter((x) => !findings.some((f) => f.check === x.check && f.file === x.file));
  for (const f of unreviewed) console.error(`scan: electron/${f.file}:${f.location} ${f.check} (${f.severity}): ${f.description}. Fix it, or review it and add it with a reason to electron/electronegativity-reviewed.json.`);
  for (const x of stale) console.error(`scan: electron/electronegativity-reviewed.json lists ${x.check} in ${x.file}, which the scan no longer finds: remove the entry.`);
  console.log(`scan: Electronegativity ${findings.length} finding(s) on electron/ (Electron ${electronVersion}): ${findings.length - unreviewed.length} reviewed, ${unreviewed.length} not.`);
  process.exit(unreviewed.length || stale.length ? 1 : 0);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** @param {string} f */
function readFileSafe(f) {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. @param {string} s */
function parseCsv(s) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field.trim());
    field = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}
