import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './test/tempDir';
import { checkImport, importsOf, lint } from './lintLayers.mjs';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.remove());

describe('layer lint', () => {
  it('finds static, re-export, side-effect, dynamic and require imports, ignoring comments', () => {
    const text = `import a from './a';\nimport type { B } from "../b";\nexport { c } from './c';\nimport './side.css';\nconst d = await import('./d');\nconst e = require('e');\n// import x from './commented';\n/* import y from './block'; */`;
    expect(importsOf(text)).toEqual(['./a', '../b', './c', './side.css', './d', 'e']);
  });

  it('allows inward imports and refuses outward ones', () => {
    expect(checkImport('main/node/terminal/terminalService.ts', '../../common/terminal')).toBeUndefined();
    expect(checkImport('main/server/serverMain.ts', '../base/node/paths')).toBeUndefined();
    expect(checkImport('main/node/jobs/jobStore.ts', '../../base/node/database')).toBeUndefined();
    expect(checkImport('kernels/jupyterServer.ts', '../main/base/node/coreEnv')).toBeUndefined();
    expect(checkImport('renderer/app/services.tsx', '../../main/common/rpcClient')).toBeUndefined();
    expect(checkImport('main/common/rpc.ts', '../node/jobs/jobStore')).toMatch(/common may not import node/);
    expect(checkImport('main/common/rpc.ts', '../base/node/paths')).toMatch(/common may not import base.*ARCHITECTURE\.md/);
    expect(checkImport('main/node/x.ts', '../server/serverMain')).toMatch(/node may not import server/);
    expect(checkImport('renderer/app/x.tsx', '../../main/base/node/paths')).toMatch(/renderer may not import base/);
    expect(checkImport('kernels/x.ts', '../main/node/jobs/jobStore')).toMatch(/kernels may not import node/);
  });

  it('keeps the areas of main/node apart, except in tests that compose them', () => {
    expect(checkImport('main/node/jobs/jobService.ts', './jobStore')).toBeUndefined();
    expect(checkImport('main/node/jobs/jobService.ts', '../envs/envService')).toMatch(/main\/node\/jobs may not import another area.*ARCHITECTURE\.md/);
    expect(checkImport('main/node/envs/envService.test.ts', '../settings/settingsService')).toBeUndefined();
  });

  it('keeps the renderer folders in order: panels share through renderer/shared, platform imports no UI', () => {
    expect(checkImport('renderer/panels/jobs/LogView.tsx', '../../shared/ansi')).toBeUndefined();
    expect(checkImport('renderer/panels/jobs/LogView.tsx', '../../platform/services')).toBeUndefined();
    expect(checkImport('renderer/panels/jobs/LogView.tsx', '../notebooks/outputs/ansi')).toMatch(/panels\/jobs may not import another panel.*renderer\/shared/);
    expect(checkImport('renderer/panels/jobs/LogView.tsx', '../../app/Workbench')).toMatch(/renderer\/panels may not import renderer\/app/);
    expect(checkImport('renderer/platform/services.tsx', '../panels/jobs/RunView')).toMatch(/renderer\/platform may not import renderer\/panels/);
    expect(checkImport('renderer/app/Workbench.tsx', '../panels/jobs/JobsPanel')).toBeUndefined();
  });

  it('allows only the packages a layer lists', () => {
    expect(checkImport('main/common/envs.ts', 'zod')).toBeUndefined();
    expect(checkImport('main/common/envs.ts', 'yaml')).toMatch(/common may not import the package yaml.*PACKAGES/);
    expect(checkImport('main/common/envs.ts', '@aws-sdk/client-s3')).toMatch(/common may not import the package @aws-sdk\/client-s3/);
    expect(checkImport('renderer/app/x.tsx', '@aws-sdk/client-s3')).toMatch(/renderer may not import the package/);
    expect(checkImport('renderer/app/x.tsx', '@xterm/addon-fit')).toBeUndefined();
    expect(checkImport('main/node/envs/s3Registry.ts', '@aws-sdk/client-s3')).toBeUndefined();
    expect(checkImport('main/server/x.ts', 'dockerode')).toMatch(/server may not import the package dockerode/);
    expect(checkImport('main/server/x.ts', 'vitest')).toMatch(/may not import the package vitest/);
    expect(checkImport('main/server/x.test.ts', 'vitest')).toBeUndefined();
  });

  it('keeps Electron inside electron/, Node out of the contract and the renderer, and UI packages out of the core', () => {
    expect(checkImport('electron/main.ts', 'electron')).toBeUndefined();
    expect(checkImport('main/server/cli.ts', 'electron')).toMatch(/only electron\/ may import electron/);
    expect(checkImport('renderer/main.tsx', 'electron-store')).toMatch(/only electron\//);
    expect(checkImport('main/common/x.ts', 'node:fs')).toMatch(/no Node built-ins/);
    expect(checkImport('main/common/x.ts', 'react')).toMatch(/may not import the package react/);
    expect(checkImport('renderer/x.ts', 'fs')).toMatch(/browser/);
    expect(checkImport('renderer/x.ts', 'node-pty')).toMatch(/renderer may not import the package node-pty/);
    expect(checkImport('main/node/jobs/x.ts', '@xterm/xterm')).toMatch(/node may not import the package @xterm\/xterm/);
  });

  it('reports violations in a tree with file names', () => {
    dir = tempDir();
    mkdirSync(join(dir.path, 'main', 'common'), { recursive: true });
    mkdirSync(join(dir.path, 'renderer'), { recursive: true });
    writeFileSync(join(dir.path, 'main', 'common', 'ok.ts'), "import { z } from 'zod';");
    writeFileSync(join(dir.path, 'renderer', 'bad.ts'), "import { spawn } from 'node:child_process';");
    mkdirSync(join(dir.path, 'main', 'node', 'jobs'), { recursive: true });
    writeFileSync(join(dir.path, 'main', 'node', 'jobs', 'planted.ts'), "import { EnvService } from '../envs/envService';");
    expect(lint(dir.path).sort()).toEqual([
      expect.stringMatching(/^main\/node\/jobs\/planted\.ts: main\/node\/jobs may not import another area/),
      expect.stringMatching(/^renderer\/bad\.ts: the renderer runs in a browser/),
    ]);
  });
});
