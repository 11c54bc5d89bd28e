import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openWorkbench, test } from './fixtures';

const work = mkdtempSync(join(tmpdir(), 'lathe-e2e-jobs-'));
test.afterAll(() => rmSync(work, { recursive: true, force: true }));
mkdirSync(work, { recursive: true });
writeFileSync(
  join(work, 'train.py'),
  'import time, lathe\np = lathe.params()\nfor epoch in range(int(p.get("epochs", 30))):\n    lathe.log_metric("loss", 1.0 / (epoch + 1) * float(p.get("scale", 1)))\n    print("epoch", epoch, flush=True)\n    time.sleep(0.05)\n',
);

async function submit(page: Page, name: string, command: string, params = ''): Promise<void> {
  await page.getByRole('button', { name: 'New job' }).click();
  const form = page.getByRole('form', { name: 'New job' });
  await form.getByLabel('Job name').fill(name);
  await form.getByLabel('Command').fill(command);
  await form.getByLabel('Working directory').fill(work);
  if (params) await form.getByLabel('Parameters').fill(params);
  await form.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
}

test('jobs: submit from the form, watch logs and a metric chart live, cancel another, compare two runs', async ({ page, core }) => {
  await openWorkbench(page, core);
  await page.getByRole('button', { name: 'Jobs', exact: true }).click();

  // A bad field comes back named
  await page.getByRole('button', { name: 'New job' }).click();
  const form = page.getByRole('form', { name: 'New job' });
  await form.getByLabel('Job name').fill('bad');
  await form.getByLabel('Command').fill('true');
  await form.getByLabel('Timeout').fill('soon');
  await form.getByRole('button', { name: 'Submit' }).click();
  await expect(form.getByRole('alert')).toContainText('timeout');
  await form.getByRole('button', { name: 'Close' }).click();

  await submit(page, 'train-a', 'python3 -u train.py', 'epochs=40');
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('running');
  // Live: the chart and the log grow while the run is going
  const chart = page.getByRole('figure', { name: 'Metric loss' });
  await expect(chart).toBeVisible();
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(3);
  await expect(page.getByRole('log', { name: 'Run output' })).toContainText('epoch');
  await expect(status).toContainText('succeeded', { timeout: 30_000 });
  await expect(chart).toHaveAttribute('data-points', '40');
  await expect(page.getByLabel('Log line count')).toHaveText('40 lines');
  await page.getByLabel('Search logs').fill('epoch 39');
  await expect(page.getByLabel('Log line count')).toHaveText('1 matching of 40 lines');
  await expect(page.getByRole('region', { name: 'Lineage' })).toContainText('python3 -u train.py');

  // Cancel a long one
  await submit(page, 'sleeper', 'sleep 300');
  await expect(status).toContainText('running');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await expect(status).toContainText('cancelled');

  // Compare: a second training run overlaid on the first
  await submit(page, 'train-b', 'python3 -u train.py', 'epochs=20 scale=2');
  await expect(status).toContainText('succeeded', { timeout: 30_000 });
  const firstId = await page.getByRole('list', { name: 'Runs' }).getByRole('button', { name: /^Run train-a / }).getAttribute('aria-label');
  await page.getByLabel('Compare with runs').selectOption([{ label: `train-a ${firstId!.split(' ').at(-1)}` }]);
  await expect(page.getByRole('figure', { name: 'Metric loss' })).toHaveAttribute('data-points', '60');
  await expect(page.getByRole('figure', { name: 'Metric loss' }).locator('.recharts-legend-item')).toHaveCount(2);

  // The side bar filters by status
  await page.getByLabel('Filter by status').selectOption('cancelled');
  await expect(page.getByRole('list', { name: 'Runs' }).getByRole('button')).toHaveCount(1);
});
