/**
 * Success-path overhead of `resilient()` when the application registered no OpenTelemetry
 * SDK (the default telemetry of @stormwatch/anthropic has nothing to emit into):
 *
 *   sdk         bare `@anthropic-ai/sdk` call (custom fetch returning a canned Messages
 *               response), its own tracing off — the baseline
 *   stormwatch  `resilient()` from @stormwatch/anthropic, nothing else
 *
 * Run from the repository root after `npm run build`:
 *   node --expose-gc test/bench/overhead-nosdk.ts
 * Options (env): BENCH_BLOCKS (default 300), BENCH_BLOCK_CALLS (default 200),
 * BENCH_ANTHROPIC (a path to another build's dist/index.js, to compare two builds in one window).
 */
import Anthropic from '@anthropic-ai/sdk';
import { pathToFileURL } from 'node:url';
import type * as Stormwatch from '@stormwatch/anthropic';

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 300);
const BLOCK_CALLS = Number(process.env.BENCH_BLOCK_CALLS ?? 200);
const MODEL = 'claude-sonnet-4-6';
const { resilient } = (await import(process.env.BENCH_ANTHROPIC ? pathToFileURL(process.env.BENCH_ANTHROPIC).href : '@stormwatch/anthropic')) as typeof Stormwatch;

const MESSAGE = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content: [{ type: 'text', text: 'Hello.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
});
const cannedFetch = (async () =>
  new Response(MESSAGE, { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_bench' } })) as unknown as typeof fetch;
const sdk = () => new Anthropic({ apiKey: 'bench', baseURL: 'http://127.0.0.1:9', fetch: cannedFetch, maxRetries: 0, openTelemetry: false });
const body = { model: MODEL, max_tokens: 16, messages: [{ role: 'user' as const, content: 'Hi' }] };

const bare = sdk();
const wrapped = resilient(sdk(), { policy: 'bench-nosdk' });
const run = { sdk: () => bare.messages.create(body), stormwatch: () => wrapped.messages.create(body) };
type Variant = keyof typeof run;

async function timeCalls(fn: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (const v of Object.keys(run) as Variant[]) await timeCalls(run[v], 10_000);
const variants = Object.keys(run) as Variant[];
const samples: Record<Variant, number[]> = { sdk: [], stormwatch: [] };
for (let b = 0; b < BLOCKS; b++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(b + i) % variants.length]!;
    samples[v].push(await timeCalls(run[v], BLOCK_CALLS));
  }
}
const overhead = median(samples.stormwatch.map((t, b) => t - samples.sdk[b]!));
console.log(`node ${process.version}, no OpenTelemetry SDK registered, ${BLOCKS} interleaved blocks × ${BLOCK_CALLS} calls`);
console.log(`sdk ${median(samples.sdk).toFixed(1)} µs/call; stormwatch ${median(samples.stormwatch).toFixed(1)} µs/call; overhead ${overhead.toFixed(1)} µs/call`);
