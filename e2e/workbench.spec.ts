import { expect, expectTerminal, newTerminal, openWorkbench, serveCore, stopCore, terminalText, test } from './fixtures';

test('a wrong or missing token shows a clear "not authorised" page', async ({ page, core }) => {
  await page.goto(`${core.url}?token=not-the-right-token`);
  await expect(page.getByRole('heading', { name: 'Not authorised' })).toBeVisible();
  await expect(page.getByText(/lathe serve/).first()).toBeVisible();
  await page.goto(core.url);
  await expect(page.getByRole('heading', { name: 'Not authorised' })).toBeVisible();
});

test('the token is traded for a cookie and leaves the address bar', async ({ page, core }) => {
  await openWorkbench(page, core);
  expect(page.url()).toBe(core.url);
  expect(page.url()).not.toContain(core.token);
  await expect(page.getByLabel('Core version')).toHaveText(/Lathe core \d+\.\d+\.\d+/);
  // The status bar names the Python that notebooks and script jobs share (Debian's, which runs jupyter-server here).
  await expect(page.getByLabel('Python', { exact: true })).toContainText(/Python 3\.\d+\.\d+ \/usr\/bin\/python3/, { timeout: 15_000 });
  // With no conda on this machine, the Environments side bar still says which Python runs the user's code.
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name: 'Environments', exact: true }).click();
  await expect(page.getByRole('note', { name: 'Python in use' })).toContainText('/usr/bin/python3');
});

test('terminal: type a command, flood 10,000 lines, reload and see the scrollback again', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newTerminal(page, 't1');
  await page.keyboard.type("echo hel''lo-$((40+2))\n");
  await expectTerminal(page, 'hello-42');
  await page.keyboard.type("seq 1 10000 | sed 's/^/row-/'\n");
  await expectTerminal(page, 'row-10000');
  await expectTerminal(page, 'row-9990');
  await page.reload();
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/Connected/);
  await expectTerminal(page, 'row-10000');
  // The reattached terminal still takes input.
  await page.locator('[data-terminal-id="t1"]').click();
  await page.keyboard.type('echo after-$((2*21))\n');
  await expectTerminal(page, 'after-42');
});

test('several terminals, each in its own folder; a bad folder is explained', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newTerminal(page, 't1');
  await newTerminal(page, 't2', '/tmp');
  await page.keyboard.type('cd . && echo "in-$(pwd)"\n');
  await expectTerminal(page, 'in-/tmp', 't2');
  await page.getByRole('button', { name: 'Show terminal bash (t1)' }).click();
  await expect(page.locator('[data-terminal-id="t1"]')).toBeVisible();
  await expect(page.locator('[data-terminal-id="t2"]')).toBeHidden();
  await page.getByLabel('Working directory').fill('/no/such/folder');
  await page.getByRole('button', { name: 'New terminal' }).click();
  await expect(page.getByRole('alert')).toContainText('/no/such/folder does not exist');
  await page.getByRole('button', { name: 'Kill terminal t2' }).click();
  await expect(page.getByRole('button', { name: 'Show terminal bash (t2)' })).toHaveCount(0);
});

test('command palette: switch theme, and the choice survives a reload', async ({ page, core }) => {
  await openWorkbench(page, core);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  await page.keyboard.type('theme light');
  await expect(palette.getByRole('option').first()).toHaveText('Theme: Light');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByRole('button', { name: /Switch theme/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('command palette opens a terminal; Escape closes it', async ({ page, core }) => {
  await openWorkbench(page, core);
  await page.getByRole('button', { name: 'Notebooks' }).click();
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeHidden();
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type('new terminal');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-terminal-id="t1"]')).toBeVisible();
});

test('every area is reachable from the activity bar and unbuilt ones say so plainly', async ({ page, core }) => {
  await openWorkbench(page, core);
  for (const name of ['Datasets', 'Models', 'Deployments', 'Git']) {
    await page.getByRole('button', { name, exact: true }).click();
    await expect(page.getByRole('button', { name, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('main', { name })).toContainText(`${name} is not built yet`);
  }
});

test('the side bar resizes from the keyboard and keeps its width', async ({ page, core }) => {
  await openWorkbench(page, core);
  const splitter = page.getByRole('separator', { name: 'Resize side bar' });
  await expect(splitter).toHaveAttribute('aria-valuenow', '260');
  await splitter.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(splitter).toHaveAttribute('aria-valuenow', '320');
  await page.reload();
  await expect(page.getByRole('separator', { name: 'Resize side bar' })).toHaveAttribute('aria-valuenow', '320');
});

test('the page reconnects by itself when the core restarts on the same port and token', async ({ page }) => {
  const first = await serveCore();
  const port = new URL(first.url).port;
  await openWorkbench(page, first);
  await stopCore(first);
  const status = page.getByRole('status', { name: 'Connection' });
  await expect(status).toHaveText(/Reconnecting/);
  const second = await serveCore(['--port', port], { LATHE_TOKEN: first.token });
  try {
    await expect(status).toHaveText(/Connected/);
    await newTerminal(page, 't1');
    await page.keyboard.type('echo back-$((40+2))\n');
    await expectTerminal(page, 'back-42');
  } finally {
    await stopCore(second);
  }
});

test('terminal: resizing the window resizes the pty; Ctrl+Shift+V pastes and Ctrl+Shift+C copies', async ({ page, core, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: core.url.replace(/\/$/, '') });
  await openWorkbench(page, core);
  await newTerminal(page, 't1');
  await page.keyboard.type('echo "size-$(stty size | tr " " x)"\n');
  await expectTerminal(page, /size-\d+x\d+/);
  const first = /size-(\d+)x(\d+)/.exec(await terminalText(page));
  expect(first).not.toBeNull();
  await page.setViewportSize({ width: 900, height: 500 });
  await page.keyboard.type('clear; echo "size-$(stty size | tr " " x)"\n');
  await expectTerminal(page, `size-${first![1]}x${first![2]}`, 't1', true);
  await expectTerminal(page, /size-\d+x\d+/);
  const second = /size-(\d+)x(\d+)/.exec(await terminalText(page));
  expect(Number(second![1])).toBeLessThan(Number(first![1]));
  expect(Number(second![2])).toBeLessThan(Number(first![2]));

  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((40+2))'));
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await expectTerminal(page, 'pasted-42');
  await page.keyboard.type('echo copyword42\n');
  await expectTerminal(page, /^copyword42$/m);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // The word is on the row above the new prompt: double-click there, whichever renderer draws it.
  const cursor = (await page.evaluate(() => (window as unknown as { __lathe: { terminalCursor(id: string): { row: number; rows: number } } }).__lathe.terminalCursor('t1')))!;
  const screen = (await page.locator('[data-terminal-id="t1"] .xterm-screen').boundingBox())!;
  const rowHeight = screen.height / cursor.rows;
  await page.mouse.dblclick(screen.x + 20, screen.y + rowHeight * (cursor.row - 1 + 0.5));
  await page.keyboard.press('Control+Shift+C');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('copyword42');
  // The paste arrived once (Chromium's own Ctrl+Shift+V paste must not add a second copy).
  expect((await terminalText(page)).match(/echo pasted-/g)).toHaveLength(1);
});
