import { DesktopBridgeKey, type IDesktopHost } from '../../main/common/desktop';

/** The Electron preload's bridge when running in the desktop app; undefined in a browser. */
export function getDesktopHost(): IDesktopHost | undefined {
  return (window as unknown as Record<string, IDesktopHost | undefined>)[DesktopBridgeKey];
}

/** Opens an http(s) link: through the shell on desktop, a new tab (without opener) in a browser. */
export function openExternal(url: string): void {
  const host = getDesktopHost();
  if (host) void host.openExternal(url);
  else window.open(url, '_blank', 'noopener,noreferrer');
}
