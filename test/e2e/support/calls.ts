import type { ResilientClient } from '@stormwatch/anthropic';
import { promptOf, type CallScript } from './stormServer.js';

/** How one call of the instrumented service ended. */
export interface CallResult {
  readonly id: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Sends one scripted call (streamed when `stream`) and waits for its end. */
export async function callOnce(client: ResilientClient, model: string, script: CallScript, stream = false): Promise<CallResult> {
  const started = performance.now();
  const body = { model, max_tokens: 64, messages: [{ role: 'user' as const, content: promptOf(script) }] };
  try {
    if (stream) {
      const s = await client.messages.create({ ...body, stream: true });
      for await (const _event of s) {
        // drain
      }
    } else {
      await client.messages.create(body);
    }
    return { id: script.id, ok: true, ms: performance.now() - started };
  } catch (error) {
    return { id: script.id, ok: false, ms: performance.now() - started, error: error instanceof Error ? error.constructor.name : String(error) };
  }
}

/**
 * Runs scripted calls with at most `concurrency` in flight, each worker pausing `gapMs`
 * after each of its calls (to spread a phase over time); results in script order.
 */
export async function runCalls(
  client: ResilientClient,
  model: string,
  scripts: readonly CallScript[],
  concurrency: number,
  gapMs = 0,
): Promise<CallResult[]> {
  const results: CallResult[] = new Array<CallResult>(scripts.length);
  let next = 0;
  const worker = async () => {
    while (next < scripts.length) {
      const i = next++;
      results[i] = await callOnce(client, model, scripts[i] as CallScript);
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, scripts.length) }, worker));
  return results;
}

/** `count` scripts `{prefix}-{i}` that each fail `fail` times first. */
export function scripts(prefix: string, count: number, fail: number): CallScript[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, fail }));
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
