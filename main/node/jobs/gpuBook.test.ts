import { describe, expect, it } from 'vitest';
import { GpuBook } from './gpuBook';

describe('GpuBook', () => {
  it("gives this host's free GPUs by count or id, never one twice", () => {
    const book = new GpuBook([{ engine: 'local', want: 1, gpus: ['0'] }]);
    expect(book.take('local', 1, ['0', '1', '2'])).toEqual(['1']);
    expect(book.take('local', ['0'], ['0', '1', '2'])).toBeUndefined();
    expect(book.take('local', 2, ['0', '1', '2'])).toBeUndefined();
    expect(book.take('local', ['2'], ['0', '1', '2'])).toEqual(['2']);
    expect(book.take('local', 0, [])).toEqual([]);
    expect(book.take('local', 1, [])).toBeUndefined(); // no GPU here: waits (submit refuses what can never fit)
  });

  it("lets runs share an engine by distinct device ids; a count takes the engine's GPUs whole", () => {
    const e = 'docker unix:///run/gpu.sock';
    const book = new GpuBook([{ engine: e, want: ['0'], gpus: ['0'] }]);
    expect(book.take(e, ['1'], [])).toEqual(['1']);
    expect(book.take(e, ['1', '2'], [])).toBeUndefined();
    expect(book.take(e, 1, [])).toBeUndefined(); // ids are held there: which ones the driver would pick is unknown
    expect(book.take('docker tcp://other:2376', 2, [])).toEqual([]); // another engine, this host's GPUs unused
    expect(book.take('docker tcp://other:2376', ['0'], [])).toBeUndefined();
    expect(book.take(e, 0, [])).toEqual([]); // no GPUs wanted: never waits
    const running = new GpuBook([{ engine: e, want: 2, gpus: [] }]);
    expect(running.take(e, ['3'], [])).toBeUndefined();
  });
});
