import { describe, expect, it } from 'vitest';
import { DesktopBridgeKey, DesktopIpc } from '../main/common/desktop';
import { __stub } from './test/electronStub';

describe('preload', () => {
  it('exposes one frozen object with one method per message, and not ipcRenderer', async () => {
    __stub.reset();
    await import('./preload');
    const api = __stub.exposed.get(DesktopBridgeKey) as Record<string, unknown>;
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['getConnectionToken', 'openExternal', 'pickDirectory', 'platform']);
    expect([...__stub.exposed.keys()]).toEqual([DesktopBridgeKey]);
    await (api.pickDirectory as (t: unknown) => Promise<unknown>)({ evil: true });
    await (api.openExternal as (u: unknown) => Promise<unknown>)({ toString: () => 'https://x.example/' });
    expect(__stub.invoked).toEqual([
      { channel: DesktopIpc.PickDirectory, args: [undefined] },
      { channel: DesktopIpc.OpenExternal, args: ['https://x.example/'] },
    ]);
  });
});
