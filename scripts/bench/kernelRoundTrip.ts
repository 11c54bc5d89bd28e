// `1+1` round trip: a client of the core (RPC → core → @jupyterlab/services → jupyter_server → ipykernel) vs a raw
// jupyter_client loop in Python talking ZMQ to the same kernel type. Both wait for the reply and the kernel's idle.
// Rounds alternate between the two (the Python side waits for a line on stdin per round), so both see the same
// machine load; the medians of the rounds are compared.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KernelChannel } from '../../main/common/kernels';
import { createProxy } from '../../main/common/rpcClient';
import { connectToCore } from '../../main/server/coreClient';
import { median, report, serve } from './benchUtil';

const N = 100;
const ROUNDS = 7;
const RAW = `
import sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name='python3')
quiet = lambda msg: None
for _ in range(20): kc.execute_interactive('1+1', timeout=10, output_hook=quiet)
print('READY', flush=True)
for line in sys.stdin:
    if line.strip() != 'go': break
    t0 = time.perf_counter()
    for _ in range(${N}): kc.execute_interactive('1+1', timeout=10, output_hook=quiet)
    print('ROUND', (time.perf_counter() - t0) / ${N} * 1000, flush=True)
kc.stop_channels(); km.shutdown_kernel(now=True)
`;

const py = spawn('/usr/bin/python3', ['-c', RAW], { stdio: ['pipe', 'pipe', 'ignore'] });
const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
const nextLine = async (): Promise<string> => {
  const r = await lines.next();
  if (r.done) throw new Error('the jupyter_client baseline exited early');
  return r.value;
};
if ((await nextLine()) !== 'READY') throw new Error('the jupyter_client baseline did not start');
const rawRound = async (): Promise<number> => {
  py.stdin!.write('go\n');
  return Number(/ROUND (\S+)/.exec(await nextLine())![1]);
};

const core = await serve();
const client = await connectToCore({ url: core.url, token: core.token });
const kernels = createProxy(client, KernelChannel);
const k = await kernels.start({});
let id = 0;
const once = () => kernels.execute(k.id, { execId: `b${id++}`, code: '1+1' });
for (let i = 0; i < 20; i++) await once();
const rounds: number[] = [];
const rawRounds: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  rawRounds.push(await rawRound());
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await once();
  rounds.push((performance.now() - t0) / N);
}
py.stdin!.end();
await kernels.shutdown(k.id);
client.dispose();
core.child.kill('SIGTERM');
const lathe = median(rounds);
const raw = median(rawRounds);
report([{ name: 'kernel: execute 1+1 round trip (ms)', lathe: lathe.toFixed(2), baseline: `${raw.toFixed(2)} (jupyter_client, ZMQ)`, ratio: `${(lathe / raw).toFixed(2)}×`, goal: '≤ 1.3×', ok: lathe / raw <= 1.3, note: `median of ${ROUNDS} alternating rounds × ${N}; TCP_NODELAY patch on` }]);
process.exit(0);
