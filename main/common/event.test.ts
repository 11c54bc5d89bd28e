import { describe, expect, it } from 'vitest';
import { DisposableStore, Emitter, toDisposable } from './event';

describe('Emitter', () => {
  it('delivers to listeners until they unsubscribe and runs first/last hooks', () => {
    const calls: string[] = [];
    const e = new Emitter<number>({ onFirstListener: () => calls.push('first'), onLastListener: () => calls.push('last') });
    const got: number[] = [];
    const d = e.event((n) => got.push(n));
    e.fire(1);
    d.dispose();
    d.dispose();
    e.fire(2);
    expect(got).toEqual([1]);
    expect(calls).toEqual(['first', 'last']);
  });

  it('keeps delivering when one listener throws', async () => {
    const e = new Emitter<number>();
    const got: number[] = [];
    e.event(() => {
      throw new Error('listener bug');
    });
    e.event((n) => got.push(n));
    const errors: unknown[] = [];
    const handler = (err: unknown) => errors.push(err);
    process.on('uncaughtException', handler);
    e.fire(7);
    await new Promise((r) => setTimeout(r, 0));
    process.off('uncaughtException', handler);
    expect(got).toEqual([7]);
    expect(errors).toHaveLength(1);
  });

  it('DisposableStore disposes newest first and disposes late additions at once', () => {
    const order: number[] = [];
    const s = new DisposableStore();
    s.add(toDisposable(() => order.push(1)));
    s.add(toDisposable(() => order.push(2)));
    s.dispose();
    s.add(toDisposable(() => order.push(3)));
    expect(order).toEqual([2, 1, 3]);
  });
});
