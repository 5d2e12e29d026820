import { describe, expect, it } from 'vitest';
import { serverOf } from '../src/internal/attemptScope.js';

describe('serverOf', () => {
  it.each([
    ['https://api.anthropic.com/v1/messages', { address: 'api.anthropic.com', port: 443 }],
    ['http://127.0.0.1:43017/v1/messages?beta=true', { address: '127.0.0.1', port: 43017 }],
    ['http://[::1]:8080/v1/messages', { address: '::1', port: 8080 }],
    ['http://proxy.internal/v1/messages', { address: 'proxy.internal', port: 80 }],
  ])('reads %s', (url, expected) => {
    expect(serverOf(url)).toEqual(expected);
    expect(serverOf(url)).toEqual(expected); // again, from the kept value
  });
});
