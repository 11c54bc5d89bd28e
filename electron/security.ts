import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, Session, WebContents } from 'electron';

/**
 * Opens the app's window with Electron's security checklist written out in the constructor call itself, where
 * static scanners (Electronegativity, in npm test) read it. `BrowserWindow` is Electron's class, passed in for tests.
 */
export function createSecureWindow<W>(BrowserWindow: new (options: BrowserWindowConstructorOptions) => W, options: Omit<BrowserWindowConstructorOptions, 'webPreferences'>, preload: string): W {
  return new BrowserWindow({
    ...options,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A middle click would otherwise open a new window past setWindowOpenHandler's intent.
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/** Parses a URL and returns it only if it is http or https; anything else (file:, javascript:, custom schemes) is refused. */
export function parseWebUrl(raw: string): URL | undefined {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a link in the user's browser only if it is a well-formed http(s) URL. Returns whether it was opened. */
export async function safeOpenExternal(raw: string, open: (url: string) => Promise<void>): Promise<boolean> {
  const u = parseWebUrl(raw);
  if (!u) return false;
  await open(u.toString());
  return true;
}

/**
 * Locks a window's contents to the core's origin: in-app navigation elsewhere is refused, new windows are
 * denied (http(s) links go to the system browser), and <webview> cannot be attached.
 */
export function guardNavigation(contents: WebContents, origin: string, openExternal: (url: string) => Promise<void>): void {
  const sameOrigin = (url: string) => parseWebUrl(url)?.origin === origin;
  contents.on('will-navigate', (e, url) => {
    if (!sameOrigin(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!sameOrigin(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (!sameOrigin(url)) void safeOpenExternal(url, openExternal);
    return { action: 'deny' };
  });
}

/** Permissions the app itself needs (copy from the terminal); everything else is denied. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/** Installs deny-by-default permission handlers that only grant the allowlist, and only to the core's origin. */
export function installPermissionHandlers(session: Session, origin: string): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.has(permission) && parseWebUrl(contents.getURL())?.origin === origin);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => ALLOWED_PERMISSIONS.has(permission) && requestingOrigin === origin);
}

/** Whether an IPC message comes from the app's own page (the core's origin), not from some other frame. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, origin: string): boolean {
  const url = event.senderFrame?.url;
  return typeof url === 'string' && parseWebUrl(url)?.origin === origin;
}

/** Adds the core's token to every request to the core's origin, so the page loads without a token in any URL. */
export function authorizeCoreRequests(session: Session, origin: string, token: string): void {
  const u = new URL(origin);
  const urls = [`${origin}/*`, `ws://${u.host}/*`];
  session.webRequest.onBeforeSendHeaders({ urls }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, Authorization: `Bearer ${token}` } });
  });
  // The core sends this policy with the page already (main/server/staticFiles.ts RENDERER_CSP, which a test keeps
  // equal); the shell sets it again on every response from the core, so no response can come without it.
  session.webRequest.onHeadersReceived({ urls: [`${origin}/*`] }, (details, callback) => {
    const others = Object.entries(details.responseHeaders ?? {}).filter(([k]) => k.toLowerCase() !== 'content-security-policy');
    callback({ responseHeaders: { ...Object.fromEntries(others), 'Content-Security-Policy': ["default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"] } });
  });
}
