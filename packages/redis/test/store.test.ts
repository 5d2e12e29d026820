import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisStore } from '../src/index.js';
import { startFakeRedis, type FakeRedis } from './support/fakeRedis.js';

/** The store's own behaviour, against a fake Redis whose replies the test chooses. */
describe('RedisOverloadStore', () => {
  let fake: FakeRedis;
  beforeAll(async () => {
    fake = await startFakeRedis('$1\r\n0\r\n');
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers nothing once closed', async () => {
    const store = redisStore({ url: fake.url });
    await store.close();
    await expect(store.reserveSlot('m')).rejects.toThrow('closed');
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('answers an operation already under way when it is closed', async () => {
    fake.scriptReply = ''; // never answers: the operation waits for Redis
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    const underWay = store.reserveSlot('m');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.close();
    expect(await underWay).toBe(0);
  });

  it('gives the shared answer while Redis answers', async () => {
    fake.scriptReply = '$3\r\n250\r\n';
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    try {
      expect(await store.reserveSlot('m')).toBe(250);
      expect(store.sharing).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('goes on with its answer when a listener throws, and warns once', async () => {
    fake.scriptReply = ':1\r\n';
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    store.onDegraded(() => {
      throw new Error('listener broke');
    });
    try {
      expect(await store.reserveSlot('m')).toBe(0);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/onDegraded listener threw: listener broke/);
    } finally {
      warn.mockRestore();
      await store.close();
    }
  });

  it('does not share a pause that is no pause', async () => {
    fake.scriptReply = '$2\r\nok\r\n';
    const store = redisStore({ url: fake.url, timeoutMs: 1000 });
    try {
      const before = fake.scripts;
      await store.pause('m', 0);
      await store.pause('m', Number.NaN);
      await store.pause('m', -1);
      expect(fake.scripts).toBe(before);
      await store.pause('m', 1);
      expect(fake.scripts).toBe(before + 1);
    } finally {
      await store.close();
    }
  });
});
