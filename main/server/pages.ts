/** Small self-contained HTML pages the server answers with when it cannot serve the app. */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:15px system-ui,sans-serif;background:#1e1f22;color:#e6e6e6;display:grid;place-items:center;min-height:90vh}
main{max-width:36rem}code{background:#2b2d31;padding:2px 5px;border-radius:4px}h1{font-size:1.4rem}</style></head>
<body><main role="main">${body}</main></body></html>`;
}

/** Shown for a missing or wrong token. */
export function notAuthorisedPage(): string {
  return page(
    'Lathe: not authorised',
    `<h1>Not authorised</h1><p>This Lathe core needs its access token.</p>
<p>Open the full URL that <code>lathe serve</code> printed (it ends in <code>?token=…</code>), or restart it with
<code>--token YOUR_TOKEN</code> and open <code>http://HOST:PORT/?token=YOUR_TOKEN</code>.</p>`,
  );
}

/** Shown when the renderer has not been built. */
export function notBuiltPage(dir: string): string {
  return page('Lathe: UI not built', `<h1>The Lathe UI is not built</h1><p>No <code>index.html</code> in <code>${escapeHtml(dir)}</code>. Run <code>npm run build</code>.</p>`);
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
