import { beforeEach, describe, expect, it } from 'vitest';
import { DesktopIpc } from '../main/common/desktop';
import { registerDesktopHost } from './desktopHost';
import { __stub, dialog, ipcMain } from './test/electronStub';

const ORIGIN = 'http://127.0.0.1:4567';
const fromPage = { senderFrame: { url: `${ORIGIN}/` } };
const fromElsewhere = { senderFrame: { url: 'https://evil.example/' } };

describe('desktop host IPC', () => {
  let opened: string[];
  let unregister: () => void;
  beforeEach(() => {
    __stub.reset();
    opened = [];
    unregister = registerDesktopHost({ ipcMain, dialog, openExternal: async (u) => void opened.push(u), window: () => undefined, origin: ORIGIN, token: 'the-token-0123456789' });
  });
  const call = (ch: string, event: object, ...args: unknown[]) => __stub.ipcHandlers.get(ch)!(event, ...args) as Promise<unknown>;

  it('hands the token only to the core page', async () => {
    await expect(call(DesktopIpc.GetConnectionToken, fromPage)).resolves.toBe('the-token-0123456789');
    await expect(call(DesktopIpc.GetConnectionToken, fromElsewhere)).rejects.toThrow(/did not come from the Lathe page/);
  });

  it('picks a folder through the native dialog', async () => {
    await expect(call(DesktopIpc.PickDirectory, fromPage, 'Working directory')).resolves.toBe('/picked/folder');
    await expect(call(DesktopIpc.PickDirectory, fromElsewhere)).rejects.toThrow(/Refused/);
  });

  it('opens http(s) links and refuses everything else', async () => {
    await call(DesktopIpc.OpenExternal, fromPage, 'https://example.org/');
    await expect(call(DesktopIpc.OpenExternal, fromPage, 'file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(call(DesktopIpc.OpenExternal, fromPage, 42)).rejects.toThrow(/only http and https/);
    expect(opened).toEqual(['https://example.org/']);
  });

  it('removes its handlers when unregistered', () => {
    expect([...__stub.ipcHandlers.keys()].sort()).toEqual(Object.values(DesktopIpc).sort());
    unregister();
    expect(__stub.ipcHandlers.size).toBe(0);
  });
});
