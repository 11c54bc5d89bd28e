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

test('secrets: saved in the side bar by name, given to a job at run time, never shown back', async ({ page, core }) => {
  await openWorkbench(page, core);
  await page.getByRole('button', { name: 'Jobs', exact: true }).click();
  await page.getByText('Secrets', { exact: true }).click();
  const add = page.getByRole('form', { name: 'Add a secret' });
  await add.getByLabel('Secret name').fill('bad name');
  await add.getByLabel('Secret value').fill('x');
  await add.getByRole('button', { name: 'Save secret' }).click();
  await expect(page.locator('.secrets').getByRole('alert')).toContainText('upper-case name');
  await add.getByLabel('Secret name').fill('E2E_TOKEN');
  await add.getByLabel('Secret value').fill('tok-e2e-123456');
  await add.getByRole('button', { name: 'Save secret' }).click();
  const list = page.getByRole('list', { name: 'Secrets' });
  await expect(list).toContainText('E2E_TOKEN');
  await expect(list).toContainText('14 chars');
  await expect(page.locator('body')).not.toContainText('tok-e2e-123456');

  await page.getByRole('button', { name: 'New job' }).click();
  const form = page.getByRole('form', { name: 'New job' });
  await form.getByLabel('Job name').fill('uses-secret');
  await form.getByLabel('Command').fill('sh -c \'echo "token=$E2E_TOKEN len=${#E2E_TOKEN}"\'');
  await form.getByLabel('Working directory').fill(work);
  await form.getByLabel('Secrets for the job').fill('E2E_TOKEN');
  await form.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('succeeded', { timeout: 30_000 });
  await expect(page.getByRole('log', { name: 'Run output' })).toContainText('token=*** len=14');

  await list.getByRole('button', { name: 'Delete secret E2E_TOKEN' }).click();
  await expect(list).toContainText('None yet.');
});

test('a long log: 300,000 lines stream into the run page, which keeps the newest and follows the tail', async ({ page, core }) => {
  await openWorkbench(page, core);
  await page.getByRole('button', { name: 'Jobs', exact: true }).click();
  // In bursts, so the page is showing lines when the oldest are let go.
  await submit(page, 'long-log', "sh -c 'sleep 0.5; seq 1 100000; sleep 0.4; seq 100001 200000; sleep 0.4; seq 200001 300000'");
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('succeeded', { timeout: 30_000 });
  const count = page.getByLabel('Log line count');
  await expect(count).toHaveText(/^300,000 lines \(the last 2\d\d,\d\d\d here; lathe job logs has them all\)$/);
  const log = page.getByRole('log', { name: 'Run output' });
  await expect(log).toContainText('300000');
  await page.getByLabel('Search logs').fill('299999');
  await expect(count).toHaveText(/^1 matching of 300,000 lines/);
  await expect(log).toHaveText('299999');
  // Opened again, the page asks only for the lines it keeps: the newest 200,000, counted as 300,000, the line
  // before them not there.
  await page.reload(); // the panel and the run stay open
  await expect(count).toHaveText('300,000 lines (the last 200,000 here; lathe job logs has them all)');
  await page.getByLabel('Search logs').fill('100000');
  await expect(count).toHaveText(/^0 matching of 300,000 lines/);
  await page.getByLabel('Search logs').fill('100001');
  await expect(count).toHaveText(/^1 matching of 300,000 lines/);
  await page.getByLabel('Search logs').fill('');
  await expect(log).toContainText('300000');
});
