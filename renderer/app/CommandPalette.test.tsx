// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { inputByLabel, mount, press, type, unmountAll } from '../shared/testing';
import type { Command } from './commands';
import { CommandPalette } from './CommandPalette';

afterEach(unmountAll);

function world() {
  const ran: string[] = [];
  let closed = 0;
  const cmd = (id: string, title: string): Command => ({ id, title, run: () => void ran.push(id) });
  const commands = [cmd('term', 'Terminal: New Terminal'), cmd('light', 'Theme: Light'), cmd('dark', 'Theme: Dark'), cmd('save', 'File: Save Notebook')];
  return { ran, commands, closes: () => closed, onClose: () => void closed++ };
}

const options = (host: HTMLElement) => [...host.querySelectorAll('[role="option"]')];
const selected = (host: HTMLElement) => host.querySelector('[role="option"][aria-selected="true"]')?.textContent;

describe('CommandPalette', () => {
  it('takes the focus, filters as you type, moves with the arrows and runs the chosen command on Enter', async () => {
    const w = world();
    const host = await mount(<CommandPalette commands={w.commands} onClose={w.onClose} />);
    const box = inputByLabel(host, 'Type a command');
    expect(document.activeElement).toBe(box);
    expect(host.querySelector('[role="dialog"]')?.getAttribute('aria-modal')).toBe('true');
    expect(options(host)).toHaveLength(4);

    type(box, 'theme');
    expect(options(host).map((o) => o.textContent)).toEqual(['Theme: Dark', 'Theme: Light']);
    expect(selected(host)).toBe('Theme: Dark');
    press(box, 'ArrowDown');
    expect(selected(host)).toBe('Theme: Light');
    expect(box.getAttribute('aria-activedescendant')).toBe('cmd-light');
    press(box, 'ArrowDown'); // stays on the last one
    expect(selected(host)).toBe('Theme: Light');
    press(box, 'ArrowUp');
    press(box, 'ArrowDown');
    press(box, 'Enter');
    expect(w.ran).toEqual(['light']);
    expect(w.closes()).toBe(1);
  });

  it('a new query starts at the top again; no match says so and Enter runs nothing', async () => {
    const w = world();
    const host = await mount(<CommandPalette commands={w.commands} onClose={w.onClose} />);
    const box = inputByLabel(host, 'Type a command');
    press(box, 'ArrowDown');
    press(box, 'ArrowDown');
    type(box, 'save');
    expect(selected(host)).toBe('File: Save Notebook');
    type(box, 'nothing like this');
    expect(options(host)).toHaveLength(0);
    expect(host.textContent).toContain('No matching commands');
    expect(box.hasAttribute('aria-activedescendant')).toBe(false);
    press(box, 'Enter');
    expect(w.ran).toEqual([]);
    expect(w.closes()).toBe(0);
  });

  it('Escape closes without running anything', async () => {
    const w = world();
    const host = await mount(<CommandPalette commands={w.commands} onClose={w.onClose} />);
    press(inputByLabel(host, 'Type a command'), 'Escape');
    expect(w.closes()).toBe(1);
    expect(w.ran).toEqual([]);
  });
});
