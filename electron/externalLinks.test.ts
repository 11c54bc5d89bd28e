import { describe, expect, it } from 'vitest';
import { ExternalLinks } from './externalLinks';

function world(answers: { open: boolean; trustHost: boolean }[]) {
  const opened: string[] = [];
  const asked: string[] = [];
  let hosts: string[] = [];
  const links = new ExternalLinks({
    open: async (u) => void opened.push(u),
    confirm: async (u) => (asked.push(u.toString()), answers.shift() ?? { open: false, trustHost: false }),
    trusted: { get: () => hosts, set: (h) => (hosts = h) },
  });
  return { links, opened, asked, hosts: () => hosts };
}

describe('external links (issue 14: shell.openExternal allowed any host)', () => {
  it('asks before opening a host nobody trusted, and opens nothing when the user says no', async () => {
    const w = world([{ open: false, trustHost: false }]);
    expect(await w.links.open('https://phish.example/login')).toBe(false);
    expect(w.asked).toEqual(['https://phish.example/login']);
    expect(w.opened).toEqual([]);
  });

  it('remembers a host the user chose to trust, and opens Lathe’s own documentation host without asking', async () => {
    const w = world([{ open: true, trustHost: true }]);
    expect(await w.links.open('https://docs.example/a')).toBe(true);
    expect(await w.links.open('https://DOCS.example/b')).toBe(true);
    expect(await w.links.open('https://github.com/lathe')).toBe(true);
    expect(w.asked).toEqual(['https://docs.example/a']);
    expect(w.hosts()).toEqual(['docs.example']);
    expect(w.opened).toEqual(['https://docs.example/a', 'https://docs.example/b', 'https://github.com/lathe']);
  });

  it('opens once without trusting when the box is not ticked', async () => {
    const w = world([{ open: true, trustHost: false }, { open: false, trustHost: false }]);
    expect(await w.links.open('https://once.example/')).toBe(true);
    expect(await w.links.open('https://once.example/again')).toBe(false);
    expect(w.hosts()).toEqual([]);
  });

  it('never opens other schemes or URLs with credentials, and does not even ask', async () => {
    const w = world([{ open: true, trustHost: true }]);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@github.com/', 'https://github.com@evil.example/', 'not a url']) {
      expect(await w.links.open(bad), bad).toBe(false);
    }
    expect(w.asked).toEqual([]);
    expect(w.opened).toEqual([]);
  });
});
