import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { systemClock, VirtualClock } from '../src/index.js';

describe('VirtualClock', () => {
  it('wakes sleepers in time order when advanced', async () => {
    const clock = new VirtualClock(1000);
    const woke: Array<[string, number]> = [];
    void clock.sleep(300).then(() => woke.push(['b', clock.now()]));
    void clock.sleep(100).then(() => woke.push(['a', clock.now()]));
    void clock.sleep(300).then(() => woke.push(['c', clock.now()]));
    await clock.advance(250);
    expect(woke).toEqual([['a', 1100]]);
    expect(clock.now()).toBe(1250);
    await clock.advance(50);
    expect(woke).toEqual([['a', 1100], ['b', 1300], ['c', 1300]]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs sleepers scheduled by woken sleepers with runAll', async () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1000);
        times.push(clock.now());
      }
    };
    const done = loop();
    expect(await clock.runAll()).toBe(3);
    await done;
    expect(times).toEqual([1000, 2000, 3000]);
  });

  it('rejects an aborted sleep at once and forgets its timer and listener', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(30_000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects a sleep on an already aborted signal without scheduling it', async () => {
    const clock = new VirtualClock();
    await expect(clock.sleep(10, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to go backwards', async () => {
    await expect(new VirtualClock().advance(-1)).rejects.toThrow(RangeError);
    expect(() => new VirtualClock(Number.NaN)).toThrow(/startMs must be a finite number, got NaN/);
  });
});

describe('systemClock', () => {
  it('clears its timer and listener when a 30 s sleep is aborted', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const sleeping = systemClock.sleep(30_000, controller.signal);
      expect(vi.getTimerCount()).toBe(1);
      controller.abort();
      await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
      expect(vi.getTimerCount()).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('removes its abort listener when the sleep completes', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const sleeping = systemClock.sleep(1000, controller.signal);
      await vi.advanceTimersByTimeAsync(1000);
      await sleeping;
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
