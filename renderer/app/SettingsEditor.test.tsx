// @vitest-environment jsdom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../main/common/event';
import { createMemoryPortPair } from '../../main/common/memoryTransport';
import { RpcClient, createProxy } from '../../main/common/rpcClient';
import { RpcServer } from '../../main/common/rpcServer';
import { SettingsChannel, SettingsSchema, type ISettingsService, type Settings, type SettingsPatch } from '../../main/common/settings';
import type { Services } from '../platform/services';
import { mount as mountNode, settle, type, unmountAll } from '../shared/testing';
import { SettingsEditor } from './SettingsEditor';

// The editor is the subject: behind the real contract (the settings channel's zod schemas over the in-memory
// transport) sits a small in-memory store in place of the conf-backed SettingsService, which has its own tests.
class MemorySettings implements ISettingsService {
  value: Settings = SettingsSchema.parse({});
  updates: SettingsPatch[] = [];
  private readonly changed = new Emitter<Settings>();
  readonly onDidChange = this.changed.event;
  async get() {
    return this.value;
  }
  async update(patch: SettingsPatch) {
    this.updates.push(patch);
    this.value = SettingsSchema.parse({ ...this.value, ...patch, terminal: { ...this.value.terminal, ...patch.terminal }, layout: { ...this.value.layout, ...patch.layout }, envs: { ...this.value.envs, ...patch.envs } });
    this.changed.fire(this.value);
    return this.value;
  }
}

let client: RpcClient | undefined;
afterEach(() => {
  unmountAll();
  client?.dispose();
});

async function mount() {
  const impl = new MemorySettings();
  const server = new RpcServer({});
  server.serveChannel(SettingsChannel, impl);
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  client = new RpcClient(a);
  const services = { settings: createProxy(client, SettingsChannel) } as unknown as Services;
  const host = await mountNode(<SettingsEditor services={services} settings={impl.value} />);
  return { impl, host };
}

const field = (host: HTMLElement, key: string) => host.querySelector<HTMLElement>(`[data-setting="${key}"]`)!;
const control = <T extends HTMLElement>(host: HTMLElement, key: string) => field(host, key).querySelector<T>('input, select')!;

describe('SettingsEditor', () => {
  it('groups every setting and finds them by title, description or id', async () => {
    const { host } = await mount();
    expect([...host.querySelectorAll('section h2')].map((h) => h.textContent)).toEqual(['Appearance', 'Terminal', 'Layout', 'Environments']);
    type(host.querySelector<HTMLInputElement>('input[aria-label="Search settings"]')!, 'scroll');
    expect([...host.querySelectorAll('[data-setting]')].map((e) => e.getAttribute('data-setting'))).toEqual(['terminal.scrollback']);
    type(host.querySelector<HTMLInputElement>('input[aria-label="Search settings"]')!, 'envs.offline');
    expect([...host.querySelectorAll('[data-setting]')].map((e) => e.getAttribute('data-setting'))).toEqual(['envs.offline']);
    type(host.querySelector<HTMLInputElement>('input[aria-label="Search settings"]')!, 'nothing like this');
    expect(host.textContent).toContain('No setting matches');
  });

  it('saves a valid value to the core, and refuses an invalid one naming the rule, sending nothing', async () => {
    const { impl, host } = await mount();
    const select = control<HTMLSelectElement>(host, 'theme');
    await act(async () => {
      select.value = 'light';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    expect(impl.value.theme).toBe('light');
    expect(field(host, 'theme').querySelector('[role="status"]')?.textContent).toBe('Saved');

    const scrollback = control<HTMLInputElement>(host, 'terminal.scrollback');
    type(scrollback, '50');
    await act(async () => scrollback.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    await settle();
    expect(field(host, 'terminal.scrollback').querySelector('[role="alert"]')?.textContent).toMatch(/terminal\.scrollback.*100/);
    expect(impl.updates).toEqual([{ theme: 'light' }]);
    expect(scrollback.value).toBe('50');

    type(scrollback, '20000');
    await act(async () => scrollback.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    await settle();
    expect(impl.value.terminal.scrollback).toBe(20000);
    expect(field(host, 'terminal.scrollback').querySelector('[role="alert"]')).toBeNull();

    const channels = control<HTMLInputElement>(host, 'envs.channels');
    type(channels, 'conda-forge  file:///srv/ch');
    await act(async () => channels.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    await settle();
    expect(impl.value.envs.channels).toEqual(['conda-forge', 'file:///srv/ch']);
  });
});
