import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A `lathe serve` process started for one test. */
export interface ServedCore {
  url: string;
  openUrl: string;
  token: string;
  dataDir: string;
  /** The folder notebooks are served from. */
  workspace: string;
  process: ChildProcess;
  /** The last 64 KB the core wrote to stderr (its warnings and errors), for a failed test's report. */
  stderr(): string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts the built CLI exactly as a user would and waits for the URL it prints. */
export async function serveCore(extraArgs: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<ServedCore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-'));
  const workspace = join(dataDir, 'workspace');
  mkdirSync(workspace);
  // A home of its own: shells started in tests must not run this machine's ~/.bashrc (pyenv's rehash there waits
  // up to a minute on a lock that a shell killed mid-start leaves behind, and then no prompt ever comes).
  const home = join(dataDir, 'home');
  mkdirSync(home);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'lathe.mjs'), 'serve', '--no-open', '--port', '0', '--data-dir', dataDir, '--workspace', workspace, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home, LATHE_TOKEN: '', SHELL: '/bin/bash', ...extraEnv },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err = (err + d).slice(-65536)));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`lathe serve printed no URL in 30 s:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`lathe serve exited with ${code}:\n${out}`)));
  });
  const u = new URL(openUrl);
  const token = u.searchParams.get('token')!;
  u.search = '';
  return { url: u.toString(), openUrl, token, dataDir, workspace, process: child, stderr: () => err };
}

/** Stops a served core and removes its data dir. */
export async function stopCore(core: ServedCore): Promise<void> {
  if (core.process.exitCode === null) {
    const exited = new Promise((r) => core.process.once('exit', r));
    core.process.kill('SIGTERM');
    await exited;
  }
  rmSync(core.dataDir, { recursive: true, force: true });
}

/** What a run folder held, file by file with sizes, and its small state files: for a failed test's report. */
function runFolders(dataDir: string): string {
  const runs = join(dataDir, 'runs');
  if (!existsSync(runs)) return '(no runs)';
  return readdirSync(runs)
    .map((id) => {
      const dir = join(runs, id);
      if (!statSync(dir).isDirectory()) return `${id}: not a folder`;
      const files = readdirSync(dir).map((f) => `${f} ${statSync(join(dir, f)).size}`);
      const small = ['state.json', 'exit.json'].filter((f) => existsSync(join(dir, f))).map((f) => `${f}: ${readFileSync(join(dir, f), 'utf8')}`);
      return [`${id}: ${files.join(', ')}`, ...small].join('\n  ');
    })
    .join('\n') || '(no runs)';
}

export const test = base.extend<{ core: ServedCore }>({
  core: async ({}, use, testInfo) => {
    const core = await serveCore();
    await use(core);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('core stderr', { body: core.stderr() || '(nothing)', contentType: 'text/plain' });
      await testInfo.attach('run folders', { body: runFolders(core.dataDir), contentType: 'text/plain' });
    }
    await stopCore(core);
  },
});
export { expect };

/** The text of a terminal's recent lines, read from xterm's buffer (so it works with the DOM and WebGL renderers alike). */
export function terminalText(page: Page, id = 't1'): Promise<string> {
  return page.evaluate((tid) => (window as unknown as { __lathe: { terminalText(id: string): string } }).__lathe.terminalText(tid), id);
}

/** Waits until a terminal shows `text` (retrying like a locator assertion). */
export async function expectTerminal(page: Page, text: string | RegExp, id = 't1', not = false): Promise<void> {
  const poll = expect.poll(() => terminalText(page, id), { message: `terminal ${id} ${not ? 'not ' : ''}showing ${text}` });
  if (typeof text === 'string') await (not ? poll.not.toContain(text) : poll.toContain(text));
  else await (not ? poll.not.toMatch(text) : poll.toMatch(text));
}

/** Opens the workbench with the token and waits until it is connected. */
export async function openWorkbench(page: Page, core: ServedCore): Promise<void> {
  await page.goto(core.openUrl);
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/Connected/);
}

/** Shows a view from the activity bar, with its side bar (clicking the active view's icon would hide the side bar, as in VS Code). */
export async function showView(page: Page, name: string): Promise<void> {
  const button = page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true });
  if ((await button.getAttribute('aria-pressed')) === 'true' && (await page.getByRole('complementary', { name: `${name} side bar` }).count())) return;
  await button.click();
  await expect(page.getByRole('complementary', { name: `${name} side bar` })).toBeVisible();
}

/** Starts a terminal from the side bar (optionally in a folder) and focuses it. */
export async function newTerminal(page: Page, id: string, cwd?: string): Promise<void> {
  await showView(page, 'Terminal');
  if (cwd !== undefined) await page.getByLabel('Working directory').fill(cwd);
  await page.getByRole('button', { name: 'New terminal' }).click();
  const region = page.locator(`[data-terminal-id="${id}"]`);
  await expect(region).toBeVisible();
  await region.click();
}
