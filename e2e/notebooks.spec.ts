import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startRemoteJupyter } from '../scripts/test/remoteJupyter';
import { expect, openWorkbench, showView, test } from './fixtures';

/** Creates a notebook from the side bar and puts its first cell in edit mode. */
async function newNotebook(page: Page, name: string): Promise<void> {
  await showView(page, 'Notebooks');
  await page.getByLabel('Notebook path (in the workspace)').fill(name);
  await page.getByRole('complementary', { name: 'Notebooks side bar' }).getByRole('button', { name: 'New notebook' }).click();
  await expect(page.getByRole('toolbar', { name: 'Notebook' })).toContainText(`${name}.ipynb`);
  await page.locator('.cell-source').first().click();
  await expect(page.getByRole('textbox', { name: 'Editor for cell 1' })).toBeFocused();
}

/** Opens a notebook that is already in the workspace, by its path. */
async function openNotebook(page: Page, path: string): Promise<void> {
  await showView(page, 'Notebooks');
  await page.getByLabel('Notebook path (in the workspace)').fill(path);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

const cell = (page: Page, n: number) => page.getByRole('region', { name: new RegExp(`^Cell ${n}, `) }).or(page.locator(`[data-cell-index="${n - 1}"]`)).first();

test('notebook: run code and a plot, save, reload, reopen; interrupt a long cell; restart the kernel', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'first');
  await page.keyboard.type("print('hi'); 1+1");
  await page.keyboard.press('Shift+Enter');
  await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('hi');
  await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('2');
  await expect(cell(page, 1).getByLabel('Execution count 1')).toBeVisible();
  await page.keyboard.type('%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2]); plt.show()');
  await page.keyboard.press('Shift+Enter');
  await expect(cell(page, 2).getByRole('img', { name: 'output image' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle');

  await expect(page.getByLabel('unsaved changes')).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  const file = join(core.workspace, 'first.ipynb');
  execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
  expect(JSON.parse(readFileSync(file, 'utf8')).cells[0].outputs[0].text).toEqual(['hi\n']);

  await page.reload();
  await expect(page.getByRole('toolbar', { name: 'Notebook' })).toContainText('first.ipynb');
  await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('hi');
  await expect(cell(page, 2).getByRole('img', { name: 'output image' })).toBeVisible();
  // The live kernel's replayed outputs are what was saved: the notebook is not marked unsaved for them.
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);

  // Interrupt a long cell.
  await page.locator('[data-cell-index="2"] .cell-source').click();
  await expect(page.getByRole('textbox', { name: 'Editor for cell 3' })).toBeFocused();
  await page.keyboard.type('x = 41\nimport time; time.sleep(60)');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 3)).toHaveAttribute('aria-label', /running/);
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: busy', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Interrupt' }).click();
  await expect(cell(page, 3).getByRole('group', { name: 'Cell output' })).toContainText('KeyboardInterrupt', { timeout: 15_000 });

  // Restart: the kernel forgets x.
  await page.getByRole('button', { name: 'Restart kernel' }).click();
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle', { timeout: 30_000 });
  await page.locator('.notebook-cells').focus();
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Editor for cell 4' })).toBeFocused();
  await page.keyboard.type('x + 1');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 4).getByRole('group', { name: 'Cell output' })).toContainText('NameError');
});

test('notebook keyboard model: insert, delete and undo, convert to Markdown', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'keys');
  await page.keyboard.type('a = 1');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('list', { name: 'Cells (command mode)' })).toBeFocused();
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.type('# A heading');
  await page.keyboard.press('Escape');
  await page.keyboard.press('m');
  await page.keyboard.press('Shift+Enter');
  await expect(cell(page, 2).getByRole('heading', { name: 'A heading' })).toBeVisible();
  // Shift+Enter on the last cell adds a cell below and edits it, as JupyterLab does.
  await expect(page.getByRole('textbox', { name: 'Editor for cell 3' })).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('k');
  await page.keyboard.press('d');
  await page.keyboard.press('d');
  await expect(page.locator('.cell')).toHaveCount(2);
  await expect(page.getByRole('heading', { name: 'A heading' })).toHaveCount(0);
  await page.keyboard.press('z');
  await expect(page.getByRole('heading', { name: 'A heading' })).toBeVisible();
  await page.keyboard.press('a');
  await expect(page.locator('.cell')).toHaveCount(4);
  await page.keyboard.press('y');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: /Editor for cell/ })).toBeFocused();
  await page.keyboard.type('7 * 6');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByRole('group', { name: 'Cell output' }).filter({ hasText: '42' })).toBeVisible();
});

test('cells reorder by drag and drop in command mode', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'drag');
  await page.keyboard.type('first_cell = 1');
  await page.keyboard.press('Escape');
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await page.keyboard.type('second_cell = 2');
  await page.keyboard.press('Escape');
  const items = page.getByRole('list', { name: /^Cells/ }).getByRole('listitem');
  await expect(items).toHaveCount(2);
  await items.nth(1).dragTo(items.nth(0));
  await expect(page.locator('.cell-source')).toHaveText(['second_cell = 2', 'first_cell = 1']);
  await expect(page.getByRole('toolbar', { name: 'Notebook' })).toContainText('●'); // dirty after the move
});

test('markdown cells and IPython Math outputs render TeX as MathML', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'math');
  await page.keyboard.type('Euler: $e^{i\\pi} + 1 = 0$ and `$code$`');
  await page.keyboard.press('Escape');
  await page.keyboard.press('m');
  await page.keyboard.press('Shift+Enter');
  await expect(cell(page, 1).locator('math')).toHaveCount(1);
  await expect(cell(page, 1).locator('code')).toHaveText('$code$');
  await expect(page.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.type('from IPython.display import Math\nMath(r"\\int_0^1 x\\,dx = \\tfrac12")');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' }).locator('math')).toHaveCount(1);
});

test('outputs cannot run script in the app; Markdown and HTML are sanitised', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'xss');
  await page.keyboard.type(`from IPython.display import HTML, Markdown, display; display(HTML('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b id="safe">bold</b>')); display(Markdown('<img src=y onerror="window.__pwned=3">**md**'))`);
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 1).locator('#safe')).toHaveText('bold');
  await expect(cell(page, 1).locator('strong')).toHaveText('md');
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await cell(page, 1).locator('script, [onerror]').count()).toBe(0);
});

test('saving over a file changed on disk asks first', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'shared');
  await page.keyboard.type('mine = 1');
  await page.keyboard.press('Escape');
  const file = join(core.workspace, 'shared.ipynb');
  const theirs = readFileSync(file, 'utf8').replace('"cells": [', '"cells": [\n  ');
  writeFileSync(file, theirs);
  utimesSync(file, new Date(), new Date(Date.now() + 10_000));
  await page.keyboard.press('Control+s');
  await expect(page.locator('.banner[role="alert"]')).toContainText('changed on disk');
  expect(readFileSync(file, 'utf8')).toBe(theirs);
  await page.getByRole('button', { name: 'Overwrite' }).click();
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  expect(readFileSync(file, 'utf8')).toContain('mine = 1');
});

test('a reloaded page reattaches to its running kernel and shows the output that arrived meanwhile', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'reattach');
  await page.keyboard.type('x = 5');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type("import time; time.sleep(3); print('arrived-' + 'while-away')");
  await page.keyboard.press('Control+Enter');
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: busy', { timeout: 30_000 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  await page.reload();
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' })).toContainText('arrived-while-away', { timeout: 20_000 });
  // The same kernel: x is still defined.
  await page.locator('.notebook-cells').focus();
  await page.keyboard.press('j');
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Editor for cell 3' })).toBeFocused();
  await page.keyboard.type('x * 2');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 3).getByRole('group', { name: 'Cell output' })).toContainText('10');
});

test('input() prompts, run below, clear outputs', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'flow');
  await page.keyboard.type("name = input('Name? ')");
  await page.keyboard.press('Shift+Enter');
  const prompt = page.getByLabel('Name?');
  await expect(prompt).toBeFocused({ timeout: 30_000 });
  await prompt.fill('Ada');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.type("print('hello', name)");
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' })).toContainText('hello Ada');

  await page.getByRole('button', { name: 'Clear outputs' }).click();
  await expect(page.getByRole('group', { name: 'Cell output' })).toHaveCount(0);
  await expect(cell(page, 2).getByLabel('Execution count none')).toBeVisible();
  // Run below from cell 2 uses the kernel's remembered name.
  await page.getByRole('button', { name: 'Run below' }).click();
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' })).toContainText('hello Ada');

});

test('restart and run all runs every cell again in a fresh kernel', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'rerun');
  await page.keyboard.type('n = 20');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('n + 22');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' })).toContainText('42');
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 2).getByLabel('Execution count 3')).toBeVisible();
  await page.getByRole('button', { name: 'Restart and run all' }).click();
  // A fresh kernel counts from 1 again, and every cell ran in order.
  await expect(cell(page, 1).getByLabel('Execution count 1')).toBeVisible({ timeout: 30_000 });
  await expect(cell(page, 2).getByLabel('Execution count 2')).toBeVisible();
  await expect(cell(page, 2).getByRole('group', { name: 'Cell output' })).toContainText('42');
});

test('the variables view lists the kernel globals and follows new runs', async ({ page, core }) => {
  await openWorkbench(page, core);
  await newNotebook(page, 'vars');
  await page.getByRole('button', { name: 'Variables' }).click();
  await expect(page.getByRole('complementary', { name: 'Variables' })).toContainText('Run a cell to start the kernel.');
  await page.locator('[data-cell-index="0"] .cell-editor, [data-cell-index="0"] .cell-source').first().click();
  await page.keyboard.type('import numpy as np; grid = np.zeros((3, 4)); names = ["a", "b"]');
  await page.keyboard.press('Control+Enter');
  const view = page.getByRole('complementary', { name: 'Variables' });
  await expect(view.getByRole('row', { name: /grid ndarray \(3, 4\)/ })).toBeVisible({ timeout: 30_000 });
  await expect(view.getByRole('row', { name: /names list 2/ })).toBeVisible();
  await expect(view.getByRole('row', { name: /np/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.type('total = 42');
  await page.keyboard.press('Control+Enter');
  await expect(view.getByRole('row', { name: /total int 42/ })).toBeVisible();
  // With the view open and nothing running, the kernel stays idle (the view must not poll it).
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle');
  const samples: string[] = [];
  for (let i = 0; i < 8; i++) {
    samples.push((await page.getByLabel('Kernel status').textContent()) ?? '');
    await page.waitForTimeout(150);
  }
  expect(new Set(samples)).toEqual(new Set(['Kernel: idle']));
});

test('the kernel picker lists every kernelspec and switches the notebook to it', async ({ page, core }) => {
  // A kernelspec in Lathe's own Jupyter path, as the environments feature writes them.
  const dir = join(core.dataDir, 'jupyter', 'share', 'kernels', 'e2e-env');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify({ argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'E2E env', language: 'python', env: { LATHE_E2E_KERNEL: 'picked' } }));
  await openWorkbench(page, core);
  await newNotebook(page, 'picker');
  await page.keyboard.press('Escape');
  await page.getByRole('combobox', { name: 'Kernel' }).selectOption({ label: 'E2E env' });
  await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle', { timeout: 30_000 });
  await page.locator('[data-cell-index="0"] .cell-source').click();
  await expect(page.getByRole('textbox', { name: 'Editor for cell 1' })).toBeFocused();
  await page.keyboard.type("import os; print(os.environ.get('LATHE_E2E_KERNEL'))");
  await page.keyboard.press('Control+Enter');
  await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('picked');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  expect(JSON.parse(readFileSync(join(core.workspace, 'picker.ipynb'), 'utf8')).metadata.kernelspec).toEqual({ name: 'e2e-env', display_name: 'E2E env', language: 'python' });
});

test('a remote Jupyter server added by URL and token offers its kernels in the picker, and runs the notebook there', async ({ page, core }) => {
  // A second real jupyter-server stands in for the remote one, under a JupyterHub-style path, with a marker in its environment.
  const info = await startRemoteJupyter('/user/bob/', { E2E_REMOTE: 'yes-remote' });
  try {
    await openWorkbench(page, core);
    await showView(page, 'Notebooks');
    const servers = page.getByRole('region', { name: 'Jupyter servers' });
    await servers.getByText('Add a server').click();
    await servers.getByLabel('Server URL').fill(`${info.url}lab/tree/x.ipynb`);
    await servers.getByLabel('Server token').fill('not-the-token');
    await servers.getByRole('button', { name: 'Add server' }).click();
    await expect(servers.getByRole('alert')).toContainText('rejected the token');
    await servers.getByLabel('Server token').fill(info.token);
    await servers.getByLabel('Server name').fill('team box');
    await servers.getByRole('button', { name: 'Add server' }).click();
    await expect(servers.getByRole('status', { name: 'team box state' })).toHaveText('connected');
    await expect(servers.getByRole('alert')).toHaveCount(0);

    await newNotebook(page, 'on-remote');
    await page.keyboard.press('Escape');
    const picker = page.getByRole('combobox', { name: 'Kernel' });
    const remoteOption = picker.locator('optgroup[label="team box"] option').first();
    await expect(remoteOption).toHaveText(/\(team box\)$/);
    await picker.selectOption((await remoteOption.getAttribute('value'))!);
    await expect(page.getByLabel('Kernel status')).toHaveText('Kernel: idle', { timeout: 30_000 });
    await page.locator('[data-cell-index="0"] .cell-source').click();
    await page.keyboard.type("import os; print(os.environ.get('E2E_REMOTE'))");
    await page.keyboard.press('Control+Enter');
    await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('yes-remote');

    await servers.getByRole('button', { name: 'Remove server team box' }).click();
    await expect(servers.getByRole('status', { name: 'team box state' })).toHaveCount(0);
  } finally {
    await info.stop();
  }
});

test('a notebook with a 200 MB output opens, says what it holds back, stays editable and saves without losing it', async ({ page, core }) => {
  const line = 'x'.repeat(99) + '\n';
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'code', id: 'huge', execution_count: 1, metadata: {}, source: 'print(lots)', outputs: [{ output_type: 'stream', name: 'stdout', text: 'FIRST LINE\n' + line.repeat(2_000_000) }] },
      { cell_type: 'code', id: 'wide', execution_count: 2, metadata: {}, source: 'frame', outputs: [{ output_type: 'execute_result', execution_count: 2, data: { 'text/plain': 'y'.repeat(2 * 1024 * 1024) }, metadata: {} }] },
      { cell_type: 'code', id: 'edit', execution_count: null, metadata: {}, source: 'a = 1', outputs: [] },
    ],
  };
  const file = join(core.workspace, 'huge.ipynb');
  writeFileSync(file, JSON.stringify(nb));
  await openWorkbench(page, core);
  await openNotebook(page, 'huge.ipynb');
  await expect(cell(page, 1).getByRole('note')).toContainText(/This output is 19\d MB \(stdout\): its start is shown below/);
  await expect(cell(page, 1).getByRole('group', { name: 'Cell output' })).toContainText('FIRST LINE');
  await expect(cell(page, 2).getByRole('note')).toContainText('This output is 2.0 MB (text/plain)');
  await cell(page, 2).getByRole('button', { name: 'Show all of it' }).click();
  await expect(cell(page, 2).getByRole('button', { name: /Output truncated: show [\d,]+ more characters/ })).toBeVisible();

  // Still an editor: change the last cell and save; the big outputs go back into the file as they were.
  await page.locator('[data-cell-index="2"] .cell-source').click();
  await page.keyboard.press('End');
  await page.keyboard.type('0');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  await expect(page.locator('.banner.error')).toHaveCount(0);
  await expect(page.getByRole('status', { name: 'Connection' })).toContainText('Connected');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { cells: { source: string | string[]; outputs: { text?: string | string[]; data?: Record<string, string | string[]> }[] }[] };
  const joined = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
  expect(joined(saved.cells[2]!.source)).toBe('a = 10');
  expect(joined(saved.cells[0]!.outputs[0]!.text)).toBe('FIRST LINE\n' + line.repeat(2_000_000));
  expect(joined(saved.cells[1]!.outputs[0]!.data!['text/plain']).length).toBe(2 * 1024 * 1024);
});

test('a cell with a 10 MB line opens and the notebook stays editable', async ({ page, core }) => {
  const long = 'x = "' + 'a'.repeat(10 * 1024 * 1024) + '"';
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'code', id: 'long', execution_count: null, metadata: {}, source: long, outputs: [] },
      { cell_type: 'code', id: 'next', execution_count: null, metadata: {}, source: 'b = 1', outputs: [] },
    ],
  };
  const file = join(core.workspace, 'long.ipynb');
  writeFileSync(file, JSON.stringify(nb));
  await openWorkbench(page, core);
  await openNotebook(page, 'long.ipynb');
  await expect(cell(page, 2)).toContainText('b = 1');
  await expect(cell(page, 1)).toContainText('(10 MB in all; edit the cell to see the rest)');
  await page.locator('[data-cell-index="1"] .cell-source').click();
  await expect(page.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.press('End');
  await page.keyboard.type('0');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { cells: { source: string[] }[] };
  expect(saved.cells[0]!.source.join('')).toBe(long);
  expect(saved.cells[1]!.source.join('')).toBe('b = 10');
});
