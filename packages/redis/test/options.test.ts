import { ADAPTIVE_RATE_DEFAULTS, createPolicy, SHARED_RATE_DEFAULTS } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { redisStore, type RedisStoreOptions } from '../src/index.js';
import { classify } from '../../core/test/fixtures.js';
import { resolveOptions } from '../src/options.js';

const url = 'redis://127.0.0.1:1';

describe('redisStore options', () => {
  it.each([
    ['no options', undefined, TypeError, /options must be an object/],
    ['no url', {}, TypeError, /url must be a redis:\/\/ or rediss:\/\/ URL string, got undefined/],
    ['an empty url', { url: '' }, TypeError, /url .* got ""/],
    ['a url that does not parse', { url: 'redis//localhost:6379' }, TypeError, /url must be a redis:\/\/ or rediss:\/\/ URL, got "redis\/\/localhost:6379"/],
    ['a port out of range', { url: 'redis://localhost:99999' }, TypeError, /got "redis:\/\/localhost:99999"/],
    ['another scheme', { url: 'http://localhost:6379' }, TypeError, /url must use redis: or rediss:, got "http:\/\/localhost:6379"/],
    ['no host', { url: 'redis://' }, TypeError, /url must name a host, got "redis:\/\/"/],
    ['a path that is not a database', { url: 'redis://localhost:6379/cache' }, TypeError, /database number .* got "redis:\/\/localhost:6379\/cache"/],
    ['an empty prefix', { url, prefix: '' }, TypeError, /prefix must be a non-empty string, got ""/],
    ['a prefix that is not a string', { url, prefix: 42 }, TypeError, /prefix must be a non-empty string, got 42/],
    ['a zero timeout', { url, timeoutMs: 0 }, RangeError, /timeoutMs must be a finite number of milliseconds > 0, got 0/],
    ['a negative timeout', { url, timeoutMs: -5 }, RangeError, /timeoutMs .* got -5/],
    ['an endless timeout', { url, timeoutMs: Infinity }, RangeError, /timeoutMs .* got Infinity/],
    ['a timeout that is not a number', { url, timeoutMs: '50' }, RangeError, /timeoutMs .* got 50/],
    ['a clock without now()', { url, clock: {} }, TypeError, /clock must be an object with a now\(\) method/],
    ['a rate option out of range', { url, rate: { minRate: 0 } }, RangeError, /admission\.minRate .* got 0/],
    ['a decrease factor of 1', { url, rate: { decreaseFactor: 1 } }, RangeError, /admission\.decreaseFactor .* got 1/],
    ['a short observation window', { url, rate: { observeWindowMs: 10 } }, RangeError, /admission\.observeWindowMs .* got 10/],
    ['a budget option out of range', { url, budget: { ratio: -1 } }, RangeError, /budget\.ratio .* got -1/],
    ['a short budget window', { url, budget: { windowMs: 5 } }, RangeError, /budget\.windowMs .* got 5/],
  ])('rejects %s at construction, naming it', (_, options, type, message) => {
    expect(() => redisStore(options as unknown as RedisStoreOptions)).toThrow(type);
    expect(() => redisStore(options as unknown as RedisStoreOptions)).toThrow(message);
  });

  it('never prints the password of a URL it rejects', () => {
    expect(() => redisStore({ url: 'redis://user:s3cret@localhost:6379/cache' })).toThrow('"redis://user:***@localhost:6379/cache"');
    expect(() => redisStore({ url: 'http://:s3cret@localhost' })).toThrow('"http://:***@localhost"');
  });

  it('accepts redis:// and rediss:// URLs with credentials and a database', async () => {
    // Loopback port 1: nothing listens, nothing leaves the machine.
    for (const good of ['redis://127.0.0.1:1', 'redis://127.0.0.1:1/2', 'rediss://user:pw@127.0.0.1:1', 'redis://[::1]:1/']) {
      const store = redisStore({ url: good, timeoutMs: 10 });
      await store.close();
    }
  });

  it("gives the scripts core's rate defaults (a shared rate's doubling aside), and the options given", () => {
    expect(resolveOptions({ url }).rate).toEqual({ ...ADAPTIVE_RATE_DEFAULTS, ...SHARED_RATE_DEFAULTS });
    expect(resolveOptions({ url, rate: { observeWindowMs: 20_000 } }).rate).toEqual({ ...ADAPTIVE_RATE_DEFAULTS, ...SHARED_RATE_DEFAULTS, observeWindowMs: 20_000 });
  });

  it('tells a policy the rate rules it applies, and a policy that sets other ones is refused', async () => {
    const store = redisStore({ url: 'redis://127.0.0.1:1', timeoutMs: 10, rate: { minRate: 0.1 } });
    try {
      expect(store.rateOptions).toEqual({ ...ADAPTIVE_RATE_DEFAULTS, ...SHARED_RATE_DEFAULTS, minRate: 0.1 });
      expect(() => createPolicy({ name: 'redis-conflict', classify, store, admission: { minRate: 0.5 } })).toThrow(
        /admission\.minRate is 0\.5 but the policy's store applies 0\.1/,
      );
      expect(() => createPolicy({ name: 'redis-agrees', classify, store, admission: { minRate: 0.1 } })).not.toThrow();
    } finally {
      await store.close();
    }
  });
});
