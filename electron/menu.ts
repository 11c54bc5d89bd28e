import type { MenuItemConstructorOptions } from 'electron';

/** The application menu: standard roles, so keyboard shortcuts and accessibility behave natively. */
/** `devTools` only for a development run (not packaged): a packaged app offers no way into the page's internals. */
export function menuTemplate(opts: { isMac: boolean; appName: string; openDocs: () => void; devTools: boolean }): MenuItemConstructorOptions[] {
  return [
    ...(opts.isMac ? [{ label: opts.appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { type: 'separator' }, { role: 'quit' }] } as MenuItemConstructorOptions] : []),
    { label: 'File', submenu: [opts.isMac ? { role: 'close' } : { role: 'quit' }] },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, ...(opts.devTools ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { label: 'Help', submenu: [{ label: 'Lathe documentation', click: opts.openDocs }] },
  ];
}
