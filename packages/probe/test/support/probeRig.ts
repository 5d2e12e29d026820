import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock } from '@stormwatch/core';
import { FakeAnthropic, type FakeAnthropicOptions } from '@stormwatch/fake-anthropic';
import { startProbe, type Probe, type ProbeOptions } from '../../src/index.js';
import { inMemoryMetrics } from './metrics.js';

export const HAIKU = 'claude-haiku-4-5';
export const SONNET = 'claude-sonnet-4-6';

/** The real SDK against the fake API, the probe on a virtual clock, its metrics in memory. */
export async function probeRig(fake: FakeAnthropicOptions, options: ProbeOptions = {}) {
  const clock = new VirtualClock();
  const server = await FakeAnthropic.start(fake);
  const { meterProvider, points } = inMemoryMetrics();
  const probe: Probe = startProbe({
    client: new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test-secret' }),
    clock,
    random: () => 0.5,
    meterProvider,
    statusPage: false,
    ...options,
  });
  const close = async () => {
    await probe.stop();
    await server.close();
  };
  return { clock, server, probe, points, close };
}

/** Waits (real time) until `condition` holds: HTTP runs on real sockets while time is virtual. */
export async function until(condition: () => boolean, what = 'condition', maxMs = 5_000): Promise<void> {
  const giveUp = performance.now() + maxMs;
  while (!condition()) {
    if (performance.now() > giveUp) throw new Error(`until: ${what} not met after ${maxMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
