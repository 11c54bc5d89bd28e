import { afterAll, describe, expect, it } from 'vitest';
import { DesktopIpc } from '../main/common/desktop';
import { createProxy } from '../main/common/rpcClient';
import { StatusChannel } from '../main/common/status';
import { waitFor, tempDir } from '../scripts/test/tempDir';
import { connectToCore } from '../main/server/coreClient';
import { __stub, app, type BrowserWindow } from './test/electronStub';

const dir = tempDir();
afterAll(() => dir.remove());

describe('electron/main.ts (the shell composition root, with electron stubbed)', () => {
  it('starts the core, locks down the session and opens one secure window on it; quitting stops the core', async () => {
    __stub.reset();
    process.env.LATHE_HOME = dir.path;
    await import('./main');
    const win = (await waitFor(() => __stub.windows[0]?.loadedUrl && __stub.windows[0], 'the window to load the core', 20_000)) as BrowserWindow;
    const url = win.loadedUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // No token in the URL: it travels by header (page) and IPC (socket).
    expect(url).not.toContain('token');
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(prefs.preload)).toMatch(/dist\/electron\/preload\.cjs$/);
    expect(__stub.permissionRequest).toBeTypeOf('function');
    expect(__stub.headerHooks[0]!.filter.urls[0]).toBe(`${url.replace(/\/$/, '')}/*`);
    expect(win.webContents.windowOpenHandler).toBeTypeOf('function');
    expect(__stub.menu).toBeInstanceOf(Array);

    const token = (await __stub.ipcHandlers.get(DesktopIpc.GetConnectionToken)!({ senderFrame: { url } })) as string;
    const client = await connectToCore({ url, token });
    expect((await createProxy(client, StatusChannel).get()).services.length).toBeGreaterThan(0);
    const closed = new Promise((r) => client.onDidDisconnect(r));

    app.quit();
    await closed;
    await waitFor(() => __stub.exitCode === 0, 'the app to exit after the core stopped');
    expect(__stub.errors).toEqual([]);
  });
});
