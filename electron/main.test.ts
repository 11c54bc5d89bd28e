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
    // A development run (not packaged) offers DevTools in the View menu; menu.test.ts covers the packaged menu.
    expect(JSON.stringify(__stub.menu)).toContain('toggleDevTools');
    // Every response from the core gets the page's CSP again from the shell.
    expect(__stub.responseHooks[0]!.filter.urls).toEqual([`${url.replace(/\/$/, '')}/*`]);
    // A link from the page to a host nobody trusted is opened only if the user agrees.
    const contents = win.webContents;
    __stub.messageBoxAnswers.push({ response: 1, checkboxChecked: false });
    expect(contents.windowOpenHandler!({ url: 'https://phish.example/' })).toEqual({ action: 'deny' });
    await waitFor(() => __stub.messageBoxes.length === 1, 'the confirmation');
    expect(__stub.messageBoxes[0]!.message).toBe('Open https://phish.example/ in your browser?');
    __stub.messageBoxAnswers.push({ response: 0, checkboxChecked: true });
    await __stub.ipcHandlers.get(DesktopIpc.OpenExternal)!({ senderFrame: { url } }, 'https://docs.example/page');
    await __stub.ipcHandlers.get(DesktopIpc.OpenExternal)!({ senderFrame: { url } }, 'https://docs.example/other');
    expect(__stub.messageBoxes).toHaveLength(2);
    expect(__stub.opened).toEqual(['https://docs.example/page', 'https://docs.example/other']);

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
