import type { Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { WebContents as StubContents } from './test/electronStub';
import { RENDERER_CSP } from '../main/server/staticFiles';
import { authorizeCoreRequests, createSecureWindow, guardNavigation, installPermissionHandlers, isTrustedSender, parseWebUrl, safeOpenExternal } from './security';

const ORIGIN = 'http://127.0.0.1:4567';

describe('Electron security checklist', () => {
  it('writes out contextIsolation, sandbox and nodeIntegration:false and keeps webviews off', () => {
    class Win {
      constructor(readonly options: Record<string, unknown>) {}
    }
    const win = createSecureWindow(Win as never, { title: 'Lathe', show: false }, '/app/preload.cjs') as unknown as Win;
    expect(win.options).toMatchObject({ title: 'Lathe', show: false });
    const p = win.options.webPreferences as Record<string, unknown>;
    expect(p.disableBlinkFeatures).toBe('Auxclick');
    expect(p).toMatchObject({ preload: '/app/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });

  it('opens only parsed http(s) URLs externally', async () => {
    const opened: string[] = [];
    const open = async (u: string) => void opened.push(u);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'vscode://x', 'not a url', '']) {
      expect(await safeOpenExternal(bad, open), bad).toBe(false);
    }
    expect(await safeOpenExternal('https://example.org/a b', open)).toBe(true);
    expect(opened).toEqual(['https://example.org/a%20b']);
    expect(parseWebUrl('HTTP://Example.org')?.origin).toBe('http://example.org');
  });

  it('denies navigation away from the core and every new window, sending web links to the browser', async () => {
    const contents = new StubContents();
    const opened: string[] = [];
    guardNavigation(contents as unknown as WebContents, ORIGIN, async (u) => void opened.push(u));
    const nav = (event: string, url: string) => {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('will-navigate', `${ORIGIN}/terminal`)).toBe(false);
    expect(nav('will-navigate', 'https://evil.example/')).toBe(true);
    expect(nav('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(nav('will-redirect', 'http://127.0.0.1:9999/')).toBe(true);
    expect(nav('will-attach-webview', 'x')).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://docs.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///x' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: `${ORIGIN}/popup` })).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(opened).toEqual(['https://docs.example/']);
  });

  it('denies permissions by default and grants clipboard writes only to the core origin', () => {
    let request: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((c: unknown, p: string, origin: string) => boolean) | undefined;
    const ses = { setPermissionRequestHandler: (h: typeof request) => (request = h), setPermissionCheckHandler: (h: typeof check) => (check = h) };
    installPermissionHandlers(ses as unknown as Session, ORIGIN);
    const ask = (permission: string, url: string) => {
      let granted: boolean | undefined;
      request!({ getURL: () => url }, permission, (ok) => (granted = ok));
      return granted;
    };
    expect(ask('media', `${ORIGIN}/`)).toBe(false);
    expect(ask('geolocation', `${ORIGIN}/`)).toBe(false);
    expect(ask('notifications', `${ORIGIN}/`)).toBe(false);
    expect(ask('clipboard-sanitized-write', `${ORIGIN}/`)).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(check!({}, 'clipboard-sanitized-write', ORIGIN)).toBe(true);
    expect(check!({}, 'media', ORIGIN)).toBe(false);
  });

  it('trusts IPC only from frames on the core origin', () => {
    expect(isTrustedSender({ senderFrame: { url: `${ORIGIN}/x` } } as never, ORIGIN)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: 'https://evil.example/' } } as never, ORIGIN)).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'http://127.0.0.1:4568/' } } as never, ORIGIN)).toBe(false);
    expect(isTrustedSender({ senderFrame: null } as never, ORIGIN)).toBe(false);
  });

  it('adds the bearer token only to requests for the core, and the page’s CSP to every response from it', () => {
    let hook: { urls: string[]; fn: (d: { requestHeaders: Record<string, string> }, cb: (r: unknown) => void) => void } | undefined;
    let csp: { urls: string[]; fn: (d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void } | undefined;
    const ses = { webRequest: { onBeforeSendHeaders: (filter: { urls: string[] }, fn: never) => (hook = { urls: filter.urls, fn }), onHeadersReceived: (filter: { urls: string[] }, fn: never) => (csp = { urls: filter.urls, fn }) } };
    authorizeCoreRequests(ses as unknown as Session, ORIGIN, 'tok-tok-tok-tok-tok');
    expect(hook!.urls).toEqual([`${ORIGIN}/*`, 'ws://127.0.0.1:4567/*']);
    let result: unknown;
    hook!.fn({ requestHeaders: { Accept: '*/*' } }, (r) => (result = r));
    expect(result).toEqual({ requestHeaders: { Accept: '*/*', Authorization: 'Bearer tok-tok-tok-tok-tok' } });
    expect(csp!.urls).toEqual([`${ORIGIN}/*`]);
    let headers: Record<string, string[]> = {};
    csp!.fn({ responseHeaders: { 'content-security-policy': ["default-src *"], 'content-type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    // The core's own policy, and only that one (a weaker one in the response is replaced).
    expect(headers).toEqual({ 'content-type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP] });
  });
});
