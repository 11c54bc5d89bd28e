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
    expect(checkImport('main/server/serverMain.ts', '../node/paths')).toBeUndefined();
    expect(checkImport('renderer/app/services.tsx', '../../main/common/rpcClient')).toBeUndefined();
    expect(checkImport('main/common/rpc.ts', '../node/paths')).toMatch(/common may not import node/);
    expect(checkImport('main/node/x.ts', '../server/serverMain')).toMatch(/node may not import server/);
    expect(checkImport('renderer/app/x.tsx', '../../main/node/paths')).toMatch(/renderer may not import node/);
    expect(checkImport('kernels/x.ts', '../main/node/paths')).toMatch(/kernels may not import node/);
  });

  it('keeps Electron inside electron/, Node out of the contract and the renderer, and UI packages out of the core', () => {
    expect(checkImport('electron/main.ts', 'electron')).toBeUndefined();
    expect(checkImport('main/server/cli.ts', 'electron')).toMatch(/only electron\/ may import electron/);
    expect(checkImport('renderer/main.tsx', 'electron-store')).toMatch(/only electron\//);
    expect(checkImport('main/common/x.ts', 'node:fs')).toMatch(/no Node built-ins/);
    expect(checkImport('main/common/x.ts', 'react')).toMatch(/may not import react/);
    expect(checkImport('renderer/x.ts', 'fs')).toMatch(/browser/);
    expect(checkImport('renderer/x.ts', 'node-pty')).toMatch(/server-side package/);
    expect(checkImport('main/node/x.ts', '@xterm/xterm')).toMatch(/UI package/);
  });

  it('reports violations in a tree with file names', () => {
    dir = tempDir();
    mkdirSync(join(dir.path, 'main', 'common'), { recursive: true });
    mkdirSync(join(dir.path, 'renderer'), { recursive: true });
    writeFileSync(join(dir.path, 'main', 'common', 'ok.ts'), "import { z } from 'zod';");
    writeFileSync(join(dir.path, 'renderer', 'bad.ts'), "import { spawn } from 'node:child_process';");
    expect(lint(dir.path)).toEqual([expect.stringMatching(/^renderer\/bad\.ts: the renderer runs in a browser/)]);
  });
});
