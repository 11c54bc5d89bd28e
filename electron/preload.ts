import { contextBridge, ipcRenderer } from 'electron';
import { DesktopBridgeKey, DesktopIpc, type IDesktopHost } from '../main/common/desktop';

// The preload runs sandboxed with context isolation: it exposes one frozen object with one method per
// message, never ipcRenderer itself, and sends only plain strings.
const host: IDesktopHost = Object.freeze({
  getConnectionToken: () => ipcRenderer.invoke(DesktopIpc.GetConnectionToken) as Promise<string>,
  pickDirectory: (title?: string) => ipcRenderer.invoke(DesktopIpc.PickDirectory, typeof title === 'string' ? title : undefined) as Promise<string | undefined>,
  openExternal: (url: string) => ipcRenderer.invoke(DesktopIpc.OpenExternal, String(url)) as Promise<void>,
  platform: process.platform,
});
contextBridge.exposeInMainWorld(DesktopBridgeKey, host);
