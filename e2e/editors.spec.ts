import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openWorkbench, showView, test } from './fixtures';

const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });
const item = (page: Page, name: string) => tree(page).getByRole('treeitem', { name, exact: true });
const tab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Open editors' }).getByRole('tab', { name, exact: true });
const editorOf = (page: Page, path: string) => page.locator(`.monaco-host[data-path="${path}"]`);

/** Puts the cursor at the end of a text file's editor and types. */
async function typeInFile(page: Page, path: string, text: string): Promise<void> {
  await editorOf(page, path).locator('.view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

test('explorer: create, rename, move by drag and drop, delete with undo, upload by drop; the open tab follows a rename', async ({ page, core }) => {
  mkdirSync(join(core.workspace, 'src'));
  writeFileSync(join(core.workspace, 'src', 'train.py'), 'print(1)\n');
  await openWorkbench(page, core);
  await showView(page, 'Explorer');
  await expect(item(page, 'src')).toHaveAttribute('aria-expanded', 'false');

  // Create a file at the top level: it opens in a tab.
  await page.getByRole('toolbar', { name: 'Explorer actions' }).getByRole('button', { name: 'New file' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('notes.md');
  await page.keyboard.press('Enter');
  await expect(tab(page, 'notes.md')).toHaveAttribute('aria-selected', 'true');
  expect(existsSync(join(core.workspace, 'notes.md'))).toBe(true);
  // A name that is taken is refused, saying so.
  await page.getByRole('toolbar', { name: 'Explorer actions' }).getByRole('button', { name: 'New file' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('notes.md');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'notes.md already exists' })).toBeVisible();
  await page.keyboard.press('Escape');

  // A folder, then rename the file with F2: the tab follows.
  await item(page, 'notes.md').click();
  await page.getByRole('toolbar', { name: 'Explorer actions' }).getByRole('button', { name: 'New folder' }).click();
  await page.getByRole('textbox', { name: 'New folder name' }).fill('docs');
  await page.keyboard.press('Enter');
  await expect(item(page, 'docs')).toBeVisible();
  await item(page, 'notes.md').click();
  await tree(page).press('F2');
  await page.getByRole('textbox', { name: 'Rename notes.md' }).fill('guide.md');
  await page.keyboard.press('Enter');
  await expect(item(page, 'guide.md')).toBeVisible();
  await expect(tab(page, 'guide.md')).toBeVisible();
  expect(existsSync(join(core.workspace, 'guide.md'))).toBe(true);

  // Drag it into docs/.
  await item(page, 'guide.md').dragTo(item(page, 'docs'));
  await expect.poll(() => existsSync(join(core.workspace, 'docs', 'guide.md'))).toBe(true);
  await expect(tab(page, 'guide.md')).toHaveAttribute('title', 'docs/guide.md');

  // Keyboard: expand src, open train.py with Enter.
  await item(page, 'src').click();
  await expect(item(page, 'src')).toHaveAttribute('aria-expanded', 'true');
  await tree(page).press('ArrowDown');
  await tree(page).press('Enter');
  await expect(tab(page, 'train.py')).toHaveAttribute('aria-selected', 'true');
  await expect(editorOf(page, 'src/train.py')).toContainText('print(1)');

  // Delete to the trash, then undo.
  await item(page, 'src').click();
  await tree(page).press('Delete');
  await expect(page.getByRole('status').filter({ hasText: 'Moved src to the trash' })).toBeVisible();
  await expect(item(page, 'src')).toHaveCount(0);
  expect(existsSync(join(core.workspace, 'src'))).toBe(false);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(item(page, 'src')).toBeVisible();
  expect(readFileSync(join(core.workspace, 'src', 'train.py'), 'utf8')).toBe('print(1)\n');

  // Upload: drop a file from the desktop onto the tree.
  const data = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['a,b\n1,2\n'], 'upload.csv', { type: 'text/csv' }));
    return dt;
  });
  await tree(page).dispatchEvent('drop', { dataTransfer: data });
  await expect(page.getByRole('status').filter({ hasText: 'Uploaded 1 file' })).toBeVisible();
  await expect(item(page, 'upload.csv')).toBeVisible();
  expect(readFileSync(join(core.workspace, 'upload.csv'), 'utf8')).toBe('a,b\n1,2\n');

  // A file created outside Lathe appears by itself.
  writeFileSync(join(core.workspace, 'from-terminal.txt'), 'x');
  await expect(item(page, 'from-terminal.txt')).toBeVisible();
});

test('tabs: notebooks and files stay open with their edits and kernels; closing asks Save / Don\'t save / Cancel; reload restores tabs and unsaved text', async ({ page, core }) => {
  writeFileSync(join(core.workspace, 'a.py'), 'a = 1\n');
  writeFileSync(join(core.workspace, 'b.yaml'), 'b: 1\n');
  await openWorkbench(page, core);
  await showView(page, 'Explorer');

  // Two notebooks, each with its own kernel state.
  for (const [i, nb] of ['one', 'two'].entries()) {
    await page.keyboard.press('Alt+Shift+N');
    const name = i === 0 ? 'Untitled.ipynb' : 'Untitled1.ipynb';
    await expect(tab(page, name)).toHaveAttribute('aria-selected', 'true');
    const panel = page.getByRole('tabpanel', { name });
    await panel.locator('.cell-source').first().click();
    await expect(panel.getByRole('textbox', { name: 'Editor for cell 1' })).toBeFocused();
    await page.keyboard.type(`v = '${nb}'; print(v)`);
    await page.keyboard.press('Shift+Enter');
    await expect(panel.getByRole('group', { name: 'Cell output' }).first()).toContainText(nb, { timeout: 30_000 });
  }
  // Files: a preview by single click is replaced by the next one; a double click pins.
  await item(page, 'a.py').click();
  await expect(tab(page, 'a.py')).toHaveClass(/preview/);
  await item(page, 'b.yaml').click();
  await expect(tab(page, 'a.py')).toHaveCount(0);
  await item(page, 'b.yaml').dblclick();
  await expect(tab(page, 'b.yaml')).not.toHaveClass(/preview/);
  await item(page, 'a.py').dblclick();
  await typeInFile(page, 'a.py', 'edited_a = 2\n');
  await expect(tab(page, 'a.py')).toHaveAttribute('data-dirty', 'true');
  await tab(page, 'b.yaml').click();
  await typeInFile(page, 'b.yaml', 'edited_b: 2\n');

  // Back to the first notebook: its output is there and its kernel still holds v.
  await tab(page, 'Untitled.ipynb').click();
  const first = page.getByRole('tabpanel', { name: 'Untitled.ipynb' });
  await expect(first.getByRole('group', { name: 'Cell output' }).first()).toContainText('one');
  // The cell that was being edited when the tab was left has the focus again.
  await expect(first.getByRole('textbox', { name: 'Editor for cell 2' })).toBeFocused();
  await page.keyboard.type('print(v * 2)');
  await page.keyboard.press('Control+Enter');
  await expect(first.getByRole('group', { name: 'Cell output' }).nth(1)).toContainText('oneone');
  // Files kept their edits across the switches.
  await tab(page, 'a.py').click();
  await expect(editorOf(page, 'a.py')).toContainText('edited_a = 2');

  // Close a dirty file: Cancel keeps it, Save writes it.
  await page.getByRole('button', { name: 'Close a.py' }).click();
  const prompt = page.getByRole('alertdialog', { name: 'Save the changes to a.py?' });
  await expect(prompt).toBeVisible();
  await prompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(tab(page, 'a.py')).toBeVisible();
  await page.getByRole('button', { name: 'Close a.py' }).click();
  await prompt.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(tab(page, 'a.py')).toHaveCount(0);
  expect(readFileSync(join(core.workspace, 'a.py'), 'utf8')).toBe('a = 1\nedited_a = 2\n');
  // Alt+Shift+T reopens it.
  await page.keyboard.press('Alt+Shift+T');
  await expect(tab(page, 'a.py')).toHaveAttribute('aria-selected', 'true');

  // Leaving the page with unsaved edits asks first.
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.type();
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toBe('beforeunload');
});

test('reload restores the open tabs, the active one, and a file\'s unsaved text; Don\'t save discards it', async ({ page, core }) => {
  writeFileSync(join(core.workspace, 'c.py'), 'c = 1\n');
  writeFileSync(join(core.workspace, 'd.md'), '# D\n');
  await openWorkbench(page, core);
  await showView(page, 'Explorer');
  await item(page, 'd.md').dblclick();
  await item(page, 'c.py').dblclick();
  await typeInFile(page, 'c.py', 'unsaved = True\n');
  await expect(tab(page, 'c.py')).toHaveAttribute('data-dirty', 'true');
  // Wait until the text is kept for a reload (half a second after typing stops).
  await expect.poll(() => page.evaluate(() => sessionStorage.getItem('lathe.buffer:c.py') ?? '')).toContain('unsaved = True');
  page.on('dialog', (d) => void d.accept());
  await page.reload();
  await expect(tab(page, 'd.md')).toBeVisible();
  await expect(tab(page, 'c.py')).toHaveAttribute('aria-selected', 'true');
  await expect(editorOf(page, 'c.py')).toContainText('unsaved = True');
  await expect(page.getByRole('status').filter({ hasText: 'Unsaved changes from before the page reloaded are restored' })).toBeVisible();
  await expect(tab(page, 'c.py')).toHaveAttribute('data-dirty', 'true');
  expect(readFileSync(join(core.workspace, 'c.py'), 'utf8')).toBe('c = 1\n');
  await page.getByRole('button', { name: 'Close c.py' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: "Don't save" }).click();
  await expect(tab(page, 'c.py')).toHaveCount(0);
  expect(readFileSync(join(core.workspace, 'c.py'), 'utf8')).toBe('c = 1\n');
  await item(page, 'c.py').dblclick();
  await expect(editorOf(page, 'c.py')).not.toContainText('unsaved');
  // The Markdown file shows a preview beside its text.
  await tab(page, 'd.md').click();
  await expect(page.getByRole('document', { name: 'Preview of d.md' }).getByRole('heading', { name: 'D' })).toBeVisible();
  // F1 opens the palette, which lists the editor commands with their keys.
  await page.keyboard.press('F1');
  await page.keyboard.type('close editor');
  await expect(page.getByRole('option', { name: /View: Close Editor/ })).toContainText('Alt+W');
  await page.keyboard.press('Enter');
  await expect(tab(page, 'd.md')).toHaveCount(0);
});

test('settings: Ctrl+, opens the settings editor; a change takes effect at once and survives a reload; a bad value is explained', async ({ page, core }) => {
  await openWorkbench(page, core);
  await page.keyboard.press('Control+,');
  await expect(tab(page, 'Settings')).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('searchbox', { name: 'Search settings' }).fill('theme');
  await page.getByLabel('Appearance: Color theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByRole('searchbox', { name: 'Search settings' }).fill('font size');
  const size = page.getByLabel('Terminal: Font size');
  await size.fill('99');
  await size.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'terminal.fontSize' })).toBeVisible();
  await size.fill('17');
  await size.press('Enter');
  await expect(page.locator('[data-setting="terminal.fontSize"]').getByRole('status')).toHaveText('Saved');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(tab(page, 'Settings')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search settings' }).fill('font size');
  await expect(page.getByLabel('Terminal: Font size')).toHaveValue('17');
});

test('explorer context menu (right click and Shift+F10): copy relative path, download, new file here; images open in a viewer', async ({ page, core, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: core.url.replace(/\/$/, '') });
  mkdirSync(join(core.workspace, 'plots'));
  // A 2x1 PNG.
  writeFileSync(join(core.workspace, 'plots', 'loss.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR42mP8z8DAwMDAwAAAJ/IE/6t4nBsAAAAASUVORK5CYII=', 'base64'));
  await openWorkbench(page, core);
  await showView(page, 'Explorer');
  await item(page, 'plots').click();
  await item(page, 'loss.png').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Actions for loss.png' });
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: 'Copy Relative Path' }).click();
  await expect(menu).toBeHidden();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('plots/loss.png');
  // Download through the keyboard: Shift+F10 on the focused row, arrows, Enter.
  await item(page, 'loss.png').click();
  await tree(page).press('Shift+F10');
  await expect(menu).toBeVisible();
  const downloaded = page.waitForEvent('download');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  const d = await downloaded;
  expect(d.suggestedFilename()).toBe('loss.png');
  expect(readFileSync((await d.path())!).equals(readFileSync(join(core.workspace, 'plots', 'loss.png')))).toBe(true);
  // New file in the clicked folder.
  await item(page, 'plots').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Actions for plots' }).getByRole('menuitem', { name: 'New File…' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('notes.txt');
  await page.keyboard.press('Enter');
  await expect.poll(() => existsSync(join(core.workspace, 'plots', 'notes.txt'))).toBe(true);
  // The image opens in a viewer tab, from a blob: URL.
  await item(page, 'loss.png').dblclick();
  const img = page.getByRole('tabpanel', { name: 'loss.png' }).getByRole('img', { name: 'plots/loss.png' });
  await expect(img).toBeVisible();
  expect(await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight, el.src.startsWith('blob:')])).toEqual([2, 1, true]);
});
