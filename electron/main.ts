import { BrowserWindow, Menu, app, dialog, ipcMain, safeStorage, screen, session, shell } from 'electron';
import Store from 'electron-store';
import { join } from 'node:path';
import { resolveDataDir } from '../main/base/node/paths';
import { generateToken } from '../main/server/auth';
import { CoreProcess } from './coreProcess';
import { registerDesktopHost } from './desktopHost';
import { menuTemplate } from './menu';
import { desktopStoreKey } from './storeKey';
import { authorizeCoreRequests, createSecureWindow, guardNavigation, installPermissionHandlers } from './security';
import { ExternalLinks } from './externalLinks';
import { loadBounds, type WindowBounds } from './windowState';

// The composition root of the desktop shell. It stays thin: start the core in its own process, open a
// window on it, offer native dialogs and links. Everything else is the core's, shared with `lathe serve`.

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  // The folder with package.json: the repo in development, the asar in a packaged app.
  const appRoot = app.getAppPath();
  const token = generateToken();
  // The secret store's key stays in the OS keychain; the core gets it by environment at each launch.
  const keyEnv = desktopStoreKey(safeStorage, join(app.getPath('userData'), 'store-key.bin'), resolveDataDir(process.env.LATHE_HOME));
  const core = new CoreProcess({ entry: join(appRoot, 'dist', 'core', 'lathe.mjs'), execPath: process.execPath, token, dataDir: process.env.LATHE_HOME, env: { ...process.env, ...keyEnv } });
  core.on('crash', (code) => console.error(`lathe: the core exited (${code}); restarting it`));
  core.on('giveup', (err: Error) => dialog.showErrorBox('Lathe core stopped', err.message));
  const { url } = await core.start();
  const origin = new URL(url).origin;

  const ses = session.defaultSession;
  authorizeCoreRequests(ses, origin, token);
  installPermissionHandlers(ses, origin);
  // Web links leave the app only through ExternalLinks: http(s), no credentials, and a host the user has not trusted
  // only after they agree (a link can come from any notebook output).
  // The window, once it exists, is the confirmation dialog's parent.
  const dialogParent: { win?: BrowserWindow } = {};
  const linkStore = new Store<{ trustedHosts: string[] }>({ name: 'external-links' });
  const links = new ExternalLinks({
    open: (u) => shell.openExternal(u),
    confirm: async (u) => {
      const opts = { type: 'question' as const, buttons: ['Open', 'Cancel'], defaultId: 1, cancelId: 1, message: `Open ${u.toString()} in your browser?`, detail: `The link leads to ${u.hostname}, outside Lathe.`, checkboxLabel: `Always open links to ${u.hostname}` };
      const r = dialogParent.win ? await dialog.showMessageBox(dialogParent.win, opts) : await dialog.showMessageBox(opts);
      return { open: r.response === 0, trustHost: r.checkboxChecked };
    },
    trusted: { get: () => linkStore.get('trustedHosts') ?? [], set: (hosts) => linkStore.set('trustedHosts', hosts) },
  });
  const openExternal = async (url: string) => void (await links.open(url));
  app.on('web-contents-created', (_e, contents) => guardNavigation(contents, origin, openExternal));

  const store = new Store<{ windowBounds: WindowBounds }>({ name: 'window-state' });
  const bounds = loadBounds(store, screen.getAllDisplays().map((d) => d.workArea));
  const win = createSecureWindow(BrowserWindow, { ...bounds, show: false, title: 'Lathe', backgroundColor: '#1e1f22' }, join(appRoot, 'dist', 'electron', 'preload.cjs'));
  dialogParent.win = win;
  if (bounds.maximized) win.maximize();
  const save = () => store.set('windowBounds', { ...win.getNormalBounds(), maximized: win.isMaximized() });
  win.on('close', save);
  win.once('ready-to-show', () => win.show());

  const unregister = registerDesktopHost({ ipcMain, dialog, openExternal, window: () => win, origin, token });
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', appName: app.name, openDocs: () => void openExternal('https://github.com/'), devTools: !app.isPackaged })));
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (e) => {
    e.preventDefault();
    unregister();
    void core.stop().then(() => app.exit(0));
  });
  await win.loadURL(url);
}

main().catch((err: unknown) => {
  dialog.showErrorBox('Lathe could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});
