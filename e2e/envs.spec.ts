import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeInstallation, pythonEnv } from '../scripts/test/condaFixture';
import { expect, expectTerminal, openWorkbench, serveCore, stopCore, test as base, type ServedCore } from './fixtures';

// The core's user has a conda installation in a temp home. No conda can be installed on these machines,
// so its executable is the stand-in that replays conda's documented --json output (scripts/test/condaStandIn.mjs);
// the iris env's python is Debian's python3, so a terminal in it really runs.
const test = base.extend<{ conda: { core: ServedCore; home: string; iris: string } }>({
  conda: async ({}, use) => {
    const home = mkdtempSync(join(tmpdir(), 'lathe-e2e-home-'));
    const root = join(home, 'miniforge3');
    makeInstallation(root, 'conda');
    const iris = pythonEnv(join(root, 'envs', 'iris'), { realPython: '/usr/bin/python3', more: [{ name: 'scikit-learn', version: '1.5.0', build: 'py311h_0' }] });
    mkdirSync(join(home, '.conda'), { recursive: true });
    const core = await serveCore([], { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin', CONDA_EXE: '', MAMBA_EXE: '' });
    await use({ core, home, iris });
    await stopCore(core);
    rmSync(home, { recursive: true, force: true });
  },
});

test('environments: find envs, read packages, preview and create an env, see errors, cancel, publish and install, open a terminal in an env', async ({ page, conda }) => {
  await openWorkbench(page, conda.core);
  await page.getByRole('button', { name: 'Environments', exact: true }).click();
  const list = page.getByRole('list', { name: 'Environments' });
  await expect(list.getByRole('button', { name: 'Environment iris' })).toBeVisible();
  await expect(list.getByRole('button', { name: 'Environment base' })).toBeVisible();
  await expect(page.getByLabel('Tool for changes')).toContainText('conda 24.1.2');

  // Inspect: packages with search
  await list.getByRole('button', { name: 'Environment iris' }).click();
  const table = page.getByRole('table', { name: 'Packages' });
  await expect(table).toContainText('scikit-learn');
  await page.getByLabel('Search packages').fill('ipyk');
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText('6.29.3');

  // The search and the kernel filter in the side bar
  await page.getByLabel('Search environments').fill('ir');
  await expect(list.getByRole('button')).toHaveCount(1);
  await page.getByLabel('Search environments').fill('');

  // Settings: offline mode and a channel reach the tool's command line
  await page.getByText('Channels and registry').click();
  await page.getByLabel('Channels for every change').fill('bioconda');
  await page.getByLabel('Offline').check();
  // An S3 registry asks for its endpoint; a bad one is refused with what to write instead (and nothing is saved).
  await page.getByLabel('Registry', { exact: true }).fill('s3://team-envs/lathe');
  await page.getByLabel('S3 endpoint').fill('minio:9000');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('.env-settings').getByRole('alert')).toContainText('an http(s) URL such as https://minio.example.com:9000');
  await page.getByLabel('S3 endpoint').fill('');
  await page.getByLabel('Registry', { exact: true }).fill('');
  await expect(page.getByLabel('S3 endpoint')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  // Create: a conda error in plain words, then a preview, then the real thing
  await page.getByRole('button', { name: 'New environment' }).click();
  const form = page.getByRole('form', { name: 'New environment' });
  await form.getByLabel('Environment name').fill('demo');
  await form.getByLabel('Packages to install').fill('ipykernel does-not-exist-zzz');
  await form.getByRole('button', { name: 'Preview changes' }).click();
  await expect(form.getByRole('alert')).toContainText('Not found in bioconda: does-not-exist-zzz');
  await expect(form.getByLabel('Tool output')).toContainText('-c bioconda --offline');
  await form.getByLabel('Packages to install').fill('ipykernel numpy');
  await form.getByRole('button', { name: 'Preview changes' }).click();
  const plan = form.getByRole('region', { name: 'Planned changes' });
  await expect(plan.getByRole('region', { name: 'Install (3)' })).toContainText('numpy 1.0.0-h0_0');
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { name: 'demo' })).toBeVisible();
  await expect(list.getByRole('button', { name: 'Environment demo' })).toContainText('kernel');

  // Cancel a long create: progress shows, Cancel stops conda, nothing is left behind
  await page.getByRole('button', { name: 'New environment' }).click();
  await form.getByLabel('Environment name').fill('slow');
  await form.getByLabel('Packages to install').fill('slow-pkg');
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(form.getByLabel('Download slow-pkg-1.0.0')).toBeVisible();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form.getByRole('alert')).toContainText('cancelled');
  await form.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Refresh environments' }).click();
  await expect(list.getByRole('button', { name: 'Environment slow' })).toHaveCount(0);

  // iris cannot be packed (its python is a link to the system's): said plainly
  await list.getByRole('button', { name: 'Environment iris' }).click();
  await page.getByRole('tab', { name: 'Share' }).click();
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Publish' }).getByRole('alert')).toContainText('bin/python is a symlink to /usr/bin/python3, outside the env');
  // Publish demo, then install it back from the registry under another name
  await list.getByRole('button', { name: 'Environment demo' }).click();
  await page.getByRole('tab', { name: 'Share' }).click();
  await page.getByLabel('Publish version').fill('1.0.0');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Publish' }).getByRole('status')).toContainText('Published demo@1.0.0');
  await page.getByRole('button', { name: 'New environment' }).click();
  await form.getByLabel('Published env').check();
  await form.getByLabel('Install demo@1.0.0 as').fill('demo-copy');
  await form.getByRole('button', { name: 'Install demo@1.0.0' }).click();
  await expect(page.getByRole('heading', { name: 'demo-copy' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Packages' })).toContainText('numpy');

  // Open a terminal with iris activated
  await list.getByRole('button', { name: 'Environment iris' }).click();
  await page.getByRole('button', { name: 'Open terminal here' }).click();
  await expect(page.getByRole('button', { name: 'Terminal', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.locator('.xterm-helper-textarea').first().focus();
  await page.keyboard.type('echo "prefix=$CONDA_PREFIX"; command -v python\n');
  await expectTerminal(page, `prefix=${conda.iris}`);
  await expectTerminal(page, join(conda.iris, 'bin', 'python'));
});
