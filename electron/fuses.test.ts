import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const config = parse(readFileSync(new URL('../electron-builder.yml', import.meta.url), 'utf8')) as { electronFuses?: Record<string, boolean>; asar?: boolean };

describe('the packaged app’s Electron fuses (issue 14)', () => {
  it('turns off what the shell does not use, and keeps RunAsNode, which the core and job supervisors need', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('needs RunAsNode because the core is forked with ELECTRON_RUN_AS_NODE', () => {
    expect(readFileSync(new URL('./coreProcess.ts', import.meta.url), 'utf8')).toMatch(/ELECTRON_RUN_AS_NODE: '1'/);
  });
});
