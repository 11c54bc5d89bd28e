import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from '../scripts/electronBinary.mjs';

// The desktop app, driven through Playwright's _electron. On machines where Electron's binary cannot be
// downloaded (npm install with ELECTRON_SKIP_BINARY_DOWNLOAD=1) this spec is skipped and says so.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const binary: string | undefined = findElectronBinary(ROOT);

test.skip(!binary, 'SKIPPED: no Electron binary on this machine (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run `npx electron --version` to check; this spec runs wherever it works.');

test('the desktop app opens a locked-down window on its own core and runs a terminal', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lathe-electron-'));
  const app = await electron.launch({ executablePath: binary, args: [ROOT, '--no-sandbox'], env: { ...process.env, HOME: home, LATHE_HOME: home, SHELL: '/bin/bash' } });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('status', { name: 'Connection' })).toHaveText(/Connected/, { timeout: 30_000 });
    expect(win.url()).not.toContain('token');
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
    // The bridge is one frozen object of plain methods; ipcRenderer itself is not reachable.
    expect(await win.evaluate(() => Object.keys((window as unknown as Record<string, object>).latheDesktop!).sort().join())).toBe('getConnectionToken,openExternal,pickDirectory,platform');
    expect(await win.evaluate(() => Object.isFrozen((window as unknown as Record<string, object>).latheDesktop))).toBe(true);
    await win.getByRole('button', { name: 'New terminal' }).click();
    await win.locator('[data-terminal-id="t1"]').click();
    await win.keyboard.type('echo desk-$((40+2))\n');
    await expect.poll(() => win.evaluate(() => (window as unknown as { __lathe: { terminalText(id: string): string } }).__lathe.terminalText('t1'))).toContain('desk-42');
    // Navigation away from the core is refused.
    await win.evaluate(() => (location.href = 'https://example.org/'));
    await win.waitForTimeout(500);
    expect(new URL(win.url()).hostname).toBe('127.0.0.1');
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
});
