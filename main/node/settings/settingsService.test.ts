import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { SettingsChannel, type Settings } from '../../common/settings';
import { Logger } from '../../base/node/logger';
import { tempDir } from '../../../scripts/test/tempDir';
import { SettingsService } from './settingsService';

let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.remove());
const quiet = () => new Logger({ console: null });

function served(service: SettingsService) {
  const server = new RpcServer();
  server.serveChannel(SettingsChannel, service);
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  return createProxy(new RpcClient(a), SettingsChannel);
}

describe('SettingsService', () => {
  it('starts from defaults, merges updates, persists them 0600 and tells every client', async () => {
    dir = tempDir();
    const svc = new SettingsService({ dataDir: dir.path }, quiet());
    const proxy = served(svc);
    expect(await proxy.get()).toEqual({ theme: 'dark', terminal: { fontSize: 13, scrollback: 10000 }, layout: { sidebarWidth: 260, sidebarVisible: true, tabs: [] }, envs: { channels: [], overrideChannels: false, offline: false } });
    const seen: Settings[] = [];
    proxy.onDidChange((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 5));
    const next = await proxy.update({ theme: 'light', terminal: { fontSize: 15 } });
    expect(next).toEqual({ theme: 'light', terminal: { fontSize: 15, scrollback: 10000 }, layout: { sidebarWidth: 260, sidebarVisible: true, tabs: [] }, envs: { channels: [], overrideChannels: false, offline: false } });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([next]);
    const file = join(dir.path, 'settings.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('light');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await new SettingsService({ dataDir: dir.path }, quiet()).get()).toEqual(next);
  });

  it('rejects invalid updates at the boundary, naming the field', async () => {
    dir = tempDir();
    const proxy = served(new SettingsService({ dataDir: dir.path }, quiet()));
    await expect(proxy.update({ theme: 'purple' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/theme/) });
    await expect(proxy.update({ terminal: { fontSize: 500 } })).rejects.toMatchObject({ message: expect.stringMatching(/terminal\.fontSize/) });
    await expect(proxy.update({ unknown: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await proxy.get()).theme).toBe('dark');
  });

  it('falls back to defaults for hand-edited bad values, and warns', async () => {
    dir = tempDir();
    writeFileSync(join(dir.path, 'settings.json'), JSON.stringify({ theme: 'neon', terminal: { fontSize: 14 } }));
    const warnings: string[] = [];
    const svc = new SettingsService({ dataDir: dir.path }, new Logger({ console: (l) => warnings.push(l) }));
    expect(await svc.get()).toMatchObject({ theme: 'dark', terminal: { fontSize: 14 } });
    expect(warnings.join('\n')).toMatch(/invalid values \(theme/);
  });
});
