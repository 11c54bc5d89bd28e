// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../../main/common/event';
import { createMemoryPortPair } from '../../../main/common/memoryTransport';
import { RpcClient, createProxy } from '../../../main/common/rpcClient';
import { RpcServer } from '../../../main/common/rpcServer';
import { SecretChannel, type ISecretService, type SecretInfo } from '../../../main/common/secrets';

import { buttonByText as button, click, inputByLabel as input, mount as mountNode, settle, type, unmountAll } from '../../shared/testing';
import { SecretsView } from './SecretsView';

// The component is the subject: behind the real contract (zod schemas, RPC frames over the in-memory transport) sits
// a small in-memory store instead of the encrypted SQLite one, which has its own tests in main/node/secrets.
class MemorySecrets implements ISecretService {
  readonly values = new Map<string, string>();
  private readonly changed = new Emitter<SecretInfo[]>();
  readonly onDidChange = this.changed.event;
  private infos = () => [...this.values].map(([name, v]) => ({ name, length: v.length, updatedAt: '2026-01-01T00:00:00Z' }));
  async list() {
    return this.infos();
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
    this.changed.fire(this.infos());
    return this.infos().find((s) => s.name === name)!;
  }
  async delete(name: string) {
    this.values.delete(name);
    this.changed.fire(this.infos());
  }
  async keySource() {
    return 'key-file' as const;
  }
  async reset() {
    const n = this.values.size;
    this.values.clear();
    return n;
  }
}

let client: RpcClient | undefined;
afterEach(() => {
  unmountAll();
  client?.dispose();
});

async function mount() {
  const impl = new MemorySecrets();
  const server = new RpcServer({});
  server.serveChannel(SecretChannel, impl);
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  client = new RpcClient(a);
  const host = await mountNode(<SecretsView secrets={createProxy(client, SecretChannel)} />);
  return { impl, host };
}

describe('SecretsView', () => {
  it('saves a secret, lists its name but never its value, and deletes it', async () => {
    const { impl, host } = await mount();
    expect(host.textContent).toContain('None yet.');
    expect(button(host, 'Save secret').disabled).toBe(true);
    type(input(host, 'Secret name'), ' HF_TOKEN ');
    type(input(host, 'Secret value'), 'hf_abc123');
    expect(button(host, 'Save secret').disabled).toBe(false);
    click(button(host, 'Save secret'));
    await settle();
    expect(impl.values.get('HF_TOKEN')).toBe('hf_abc123');
    expect(host.querySelector('ul[aria-label="Secrets"]')!.textContent).toContain('HF_TOKEN');
    expect(host.textContent).not.toContain('hf_abc123');
    expect(input(host, 'Secret name').value).toBe('');
    expect(input(host, 'Secret value').value).toBe('');
    click(host.querySelector<HTMLButtonElement>('button[aria-label="Delete secret HF_TOKEN"]')!);
    await settle();
    expect(impl.values.size).toBe(0);
    expect(host.textContent).toContain('None yet.');
  });

  it('shows the contract’s reason for a bad name and keeps what was typed', async () => {
    const { impl, host } = await mount();
    type(input(host, 'Secret name'), 'lower-case');
    type(input(host, 'Secret value'), 'v');
    click(button(host, 'Save secret'));
    await settle();
    expect(host.querySelector('[role="alert"]')?.textContent).toMatch(/upper-case name such as API_TOKEN/);
    expect(impl.values.size).toBe(0);
    expect(input(host, 'Secret name').value).toBe('lower-case');
  });
});
