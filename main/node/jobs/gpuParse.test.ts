import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseGpuList } from './jobUtil';
import { parseGpuSamples } from './systemSampler';

// Real nvidia-smi output, captured on an NVIDIA H100 by scripts/device/gpuCheck.sh (this machine has no GPU; the
// device tool lent one). The run that made them also checked, with PyTorch, that CUDA_VISIBLE_DEVICES set to the
// index or the UUID these lines give shows the job exactly that GPU.
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../scripts/test/fixtures/${name}`, import.meta.url)), 'utf8');

describe('reading nvidia-smi as it prints on an H100', () => {
  it('lists GPUs by index for the queue', () => {
    expect(parseGpuList(fixture('nvidia-smi-h100-index-uuid.csv'))).toEqual(['0']);
  });

  it('reads utilisation and memory of the GPUs a run holds, by index or UUID', () => {
    const out = fixture('nvidia-smi-h100-util.csv');
    const uuid = out.split(',')[1]!.trim();
    expect(uuid).toMatch(/^GPU-[0-9a-f-]{36}$/);
    expect(parseGpuSamples(out, ['0'])).toEqual([{ id: '0', utilPercent: 0, memoryMb: 593 }]);
    expect(parseGpuSamples(out, [uuid])).toEqual([{ id: '0', utilPercent: 0, memoryMb: 593 }]);
    expect(parseGpuSamples(out, ['1'])).toEqual([]);
    // A MIG or a driver without the field prints [N/A]: read as 0, not NaN.
    expect(parseGpuSamples('0, GPU-x, [N/A], [N/A]\n', ['0'])).toEqual([{ id: '0', utilPercent: 0, memoryMb: 0 }]);
  });
});
