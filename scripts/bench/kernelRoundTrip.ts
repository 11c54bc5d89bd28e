// `1+1` round trip: a client of the core (RPC → core → @jupyterlab/services → jupyter_server → ipykernel) vs a raw
// jupyter_client loop in Python talking ZMQ to the same kernel type. Both wait for the reply and the kernel's idle.
import { execFileSync } from 'node:child_process';
import { KernelChannel } from '../../main/common/kernels';
import { createProxy } from '../../main/common/rpcClient';
import { connectToCore } from '../../main/server/coreClient';
import { median, report, serve } from './benchUtil';

const N = 200;
const RAW = `
import time, statistics
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name='python3')
quiet = lambda msg: None
for _ in range(20): kc.execute_interactive('1+1', timeout=10, output_hook=quiet)
rounds = []
for _ in range(3):
    t0 = time.perf_counter()
    for _ in range(${N}): kc.execute_interactive('1+1', timeout=10, output_hook=quiet)
    rounds.append((time.perf_counter() - t0) / ${N} * 1000)
print('RESULT', statistics.median(rounds), flush=True)
kc.stop_channels(); km.shutdown_kernel(now=True)
`;

const rawOut = execFileSync('/usr/bin/python3', ['-c', RAW], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const raw = Number(/RESULT (\S+)/.exec(rawOut)?.[1]);
if (!Number.isFinite(raw)) throw new Error(`jupyter_client baseline printed no result:\n${rawOut}`);

const core = await serve();
const client = await connectToCore({ url: core.url, token: core.token });
const kernels = createProxy(client, KernelChannel);
const k = await kernels.start({});
let id = 0;
const once = () => kernels.execute(k.id, { execId: `b${id++}`, code: '1+1' });
for (let i = 0; i < 20; i++) await once();
const rounds: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await once();
  rounds.push((performance.now() - t0) / N);
}
await kernels.shutdown(k.id);
client.dispose();
core.child.kill('SIGTERM');
const lathe = median(rounds);
report([{ name: 'kernel: execute 1+1 round trip (ms)', lathe: lathe.toFixed(2), baseline: `${raw.toFixed(2)} (jupyter_client, ZMQ)`, ratio: `${(lathe / raw).toFixed(2)}×`, goal: '≤ 1.3×', ok: lathe / raw <= 1.3, note: `median of 3 × ${N}; TCP_NODELAY patch on` }]);
process.exit(0);
