import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { StatusChannel } from '../../common/status';
import { openDatabase } from '../../base/node/database';
import { tempDir } from '../../../scripts/test/tempDir';
import { StatusService } from './statusService';
import { coreMigrations } from '../../base/node/migrations';
import { MetaStore } from '../../base/node/metaStore';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.remove());

describe('StatusService over RPC', () => {
  it('reports version, start time, launches counted in the store, and service states', async () => {
    dir = tempDir();
    const db = openDatabase(dir.path, coreMigrations);
    new StatusService({ version: '9.9.9' }, new MetaStore(db), () => []);
    const svc = new StatusService({ version: '9.9.9' }, new MetaStore(db), () => [{ name: 'terminal', state: 'unavailable', detail: 'node-pty failed to load: reinstall with npm ci' }]);
    const server = new RpcServer();
    server.serveChannel(StatusChannel, svc);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const status = await createProxy(new RpcClient(a), StatusChannel).get();
    expect(status).toEqual({
      version: '9.9.9',
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      launches: 2,
      services: [{ name: 'terminal', state: 'unavailable', detail: 'node-pty failed to load: reinstall with npm ci' }],
    });
    db.close();
  });
});
