import { describe, expect, it } from 'vitest';
import { menuTemplate } from './menu';

const roles = (t: unknown): string[] => JSON.stringify(t).match(/"role":"(\w+)"/g)?.map((m) => m.slice(8, -1)) ?? [];

describe('the application menu', () => {
  it('offers DevTools only in a development run, never in a packaged app (issue 14)', () => {
    const base = { isMac: false, appName: 'Lathe', openDocs: () => undefined };
    expect(roles(menuTemplate({ ...base, devTools: false }))).not.toContain('toggleDevTools');
    expect(roles(menuTemplate({ ...base, devTools: true }))).toContain('toggleDevTools');
    expect(roles(menuTemplate({ ...base, isMac: true, devTools: false }))).toEqual(expect.arrayContaining(['about', 'quit', 'close', 'copy', 'paste', 'reload']));
  });
});
