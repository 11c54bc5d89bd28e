import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent } from 'electron';
import { DesktopIpc } from '../main/common/desktop';
import { isTrustedSender, safeOpenExternal } from './security';

/** What the desktop host needs from Electron, passed in so it can be tested with stubs. */
export interface DesktopHostDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dialog: Pick<Dialog, 'showOpenDialog'>;
  openExternal: (url: string) => Promise<void>;
  window: () => BrowserWindow | undefined;
  /** The core's origin; only pages from it may call the host. */
  origin: string;
  token: string;
}

/**
 * The desktop-only services behind the preload bridge: the connection token, a native folder picker and
 * safe external links. Every handler checks that the message comes from the core's own page.
 */
export function registerDesktopHost(deps: DesktopHostDeps): () => void {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (event: IpcMainInvokeEvent, ...args: A): Promise<R> => {
      if (!isTrustedSender(event, deps.origin)) throw new Error('Refused: this IPC message did not come from the Lathe page.');
      return fn(...args);
    };
  deps.ipcMain.handle(
    DesktopIpc.GetConnectionToken,
    guard(async () => deps.token),
  );
  deps.ipcMain.handle(
    DesktopIpc.PickDirectory,
    guard(async (title: unknown) => {
      const win = deps.window();
      const opts = { title: typeof title === 'string' ? title.slice(0, 200) : 'Choose a folder', properties: ['openDirectory' as const, 'createDirectory' as const] };
      const r = win ? await deps.dialog.showOpenDialog(win, opts) : await deps.dialog.showOpenDialog(opts);
      return r.canceled ? undefined : r.filePaths[0];
    }),
  );
  deps.ipcMain.handle(
    DesktopIpc.OpenExternal,
    guard(async (url: unknown) => {
      if (typeof url !== 'string' || !(await safeOpenExternal(url, deps.openExternal))) throw new Error('Refused: only http and https links can be opened.');
    }),
  );
  return () => Object.values(DesktopIpc).forEach((ch) => deps.ipcMain.removeHandler(ch));
}
