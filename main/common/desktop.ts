/**
 * What the Electron shell offers the renderer through its preload bridge (not over the RPC socket).
 * In a browser there is no bridge and the renderer falls back to web equivalents.
 */
export interface IDesktopHost {
  /** The token for the core the window was opened on, fetched over IPC so it never sits in a URL. */
  getConnectionToken(): Promise<string>;
  /** A native folder picker; undefined when cancelled. */
  pickDirectory(title?: string): Promise<string | undefined>;
  /** Opens an http(s) URL in the user's browser; anything else is refused. */
  openExternal(url: string): Promise<void>;
  /** The platform the shell runs on, e.g. "linux". */
  readonly platform: string;
}

/** The name under which the preload exposes IDesktopHost on `window`. */
export const DesktopBridgeKey = 'latheDesktop';

/** IPC message names between preload and the Electron main process. */
export const DesktopIpc = {
  GetConnectionToken: 'lathe:get-connection-token',
  PickDirectory: 'lathe:pick-directory',
  OpenExternal: 'lathe:open-external',
} as const;
