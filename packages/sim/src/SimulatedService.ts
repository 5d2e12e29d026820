/**
 * The simulated Anthropic service: a capacity model per model (requests admitted per
 * one-second window and requests served at once), overload windows where capacity
 * drops, rate-limit waves (429 with `retry-after`), connection-reset waves, and the
 * shedding of in-flight work when capacity drops (non-streaming requests get a 529,
 * streams already past `message_start` get an `overloaded_error` event). It answers
 * through {@link SimulatedService.fetch}, a WHATWG `fetch` that runs in the injected
 * clock's time and returns wire-format `Response`s, so the real SDK parses them.
 *
 * Every request that reaches `fetch` is recorded exactly once in {@link attempts}, the
 * ground truth all figures are computed from.
 */
import type { Clock, Random } from '@stormwatch/core';
import {
  abortError,
  batchErrored,
  batchSucceeded,
  connectionResetError,
  errorEvent,
  errorResponse,
  jsonResponse,
  messageJson,
  rateLimitHeaders,
  streamHead,
  streamHeaders,
  streamTail,
  textDeltaEvent,
  FakeBatches,
  type BatchRequest,
  type Connection,
} from '@stormwatch/fake-anthropic';
import type { ModelSpec, Scenario } from './scenarios/Scenario.js';
import { capacityFactorAt, inWindow, overloadsAt } from './scenarios/windows.js';
import { parseSimTag } from './simTag.js';

/** How the service ended one request. */
export type AttemptResult =
  | 'pending'
  | 'ok'
  /** HTTP 529 at arrival (no capacity). */
  | 'overloaded'
  /** HTTP 529 for a non-streaming request shed while being served. */
  | 'shed'
  /** `overloaded_error` event after `message_start` (a stream shed while being served). */
  | 'stream_overloaded'
  | 'rate_limited'
  | 'reset'
  /** The client aborted it (before or during service). */
  | 'aborted'
  /** The request was not a valid simulated Messages call (HTTP 400). */
  | 'invalid';

/** One HTTP attempt as the service saw it. */
export interface AttemptRecord {
  /** Order in which fetch was called, from 0. */
  readonly seq: number;
  readonly callId: number;
  readonly model: string;
  readonly stream: boolean;
  /** Virtual ms when the client called fetch. */
  readonly sentAtMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  arrivedAtMs: number | undefined;
  admittedAtMs: number | undefined;
  endedAtMs: number | undefined;
  result: AttemptResult;
  /** Tokens the service billed for this attempt (successes and results broken after they started). */
  billedInputTokens: number;
  billedOutputTokens: number;
  /** `retry-after` sent with a 429, in s. */
  retryAfterS: number | undefined;
}

/** One request of a Message Batch, as the service processed it. */
export interface BatchRequestRecord {
  /** The simulated call it carries (from its `metadata.user_id` tag); -1 when it carries none. */
  readonly callId: number;
  /** The request's `custom_id` (the deferred task's id). */
  readonly customId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** What the batch answered for it: `succeeded`, `errored`, `expired`, `canceled`; `processing` while the batch had not ended. */
  readonly result: 'succeeded' | 'errored' | 'expired' | 'canceled' | 'malformed' | 'processing';
}

/** One Message Batch the service received. */
export interface BatchRecord {
  readonly id: string;
  /** Virtual ms of its creation and of its end (undefined when it had not ended). */
  readonly createdAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly requests: readonly BatchRequestRecord[];
}

/** Default seconds from a batch's creation to its end (`Scenario.batch.processingS`). */
export const DEFAULT_BATCH_PROCESSING_S = 3600;

/** One admission, with the limits in force at that instant (for invariant checks). */
export interface AdmissionSample {
  readonly atMs: number;
  readonly model: string;
  /** In-flight requests of the model including this one. */
  readonly inFlight: number;
  readonly concurrencyLimit: number;
  /** Admissions of the model in this one-second window including this one. */
  readonly windowAdmissions: number;
  readonly rateLimit: number;
}

interface InFlight {
  readonly record: AttemptRecord;
  readonly spec: ModelSpec;
  /** Sheds the request (capacity dropped below what is in flight). */
  shed(): void;
}

const SIM_HOST = 'storm.sim.invalid';

/** A stream sends a text delta per this much generation time, in ms. */
export const STREAM_CHUNK_MS = 1000;

/** The base URL clients are configured with; anything else is answered with 404. */
export const SIMULATED_BASE_URL = `https://${SIM_HOST}`;

export class SimulatedService {
  /** Every request that reached {@link fetch}, in arrival order. */
  readonly attempts: AttemptRecord[] = [];
  /** Every admission with the limits in force. */
  readonly admissions: AdmissionSample[] = [];
  /** Every shed request's `[atMs, model, inFlightAfter, limit]`. */
  readonly sheds: { atMs: number; model: string; inFlightAfter: number; limit: number }[] = [];

  readonly #clock: Clock;
  readonly #random: Random;
  readonly #scenario: Scenario;
  readonly #models = new Map<string, ModelSpec>();
  readonly #inFlight = new Map<string, InFlight[]>();
  readonly #window = new Map<string, { second: number; count: number }>();
  readonly #buckets: { tokens: number; atMs: number }[];
  readonly #disposed = new AbortController();
  /**
   * The Message Batches endpoints, as `@stormwatch/fake-anthropic` serves them, on the run's
   * clock: a batch ends `Scenario.batch.processingS` after its creation (seen at the next
   * request about it), each request answered as the interactive endpoint would answer it
   * (the tokens of its sim tag), without touching the models' interactive capacity.
   */
  readonly #batches: FakeBatches;
  /** Requests to the batch endpoints (create, retrieve, results), by HTTP method and path kind. */
  readonly batchApiCalls: { atMs: number; method: string; path: string; status: number }[] = [];

  constructor(scenario: Scenario, clock: Clock, random: Random) {
    this.#scenario = scenario;
    this.#clock = clock;
    this.#random = random;
    this.#batches = new FakeBatches({
      now: () => clock.now(),
      processingMs: (scenario.batch?.processingS ?? DEFAULT_BATCH_PROCESSING_S) * 1000,
      outcome: (request) => {
        const tag = batchTag(request);
        if (tag === undefined) return batchErrored('invalid_request_error', 'not a simulated Messages request');
        if (!this.#models.has(tag.model)) return batchErrored('not_found_error', `model: ${tag.model}`);
        return batchSucceeded({ text: `simulated batch answer to call ${tag.callId}`, inputTokens: tag.inputTokens, outputTokens: tag.outputTokens });
      },
    });
    for (const m of scenario.models) {
      this.#models.set(m.id, m);
      this.#inFlight.set(m.id, []);
    }
    this.#buckets = scenario.rateLimitWaves.map((w) => ({ tokens: w.requestsPerSecond, atMs: w.startS * 1000 }));
    for (const w of scenario.overloads) {
      void this.#clock
        .sleep(Math.max(0, w.startS * 1000 - clock.now()), this.#disposed.signal)
        .then(() => this.#shedExcess(), () => undefined);
    }
  }

  /** Cancels the service's own timers (capacity changes) so the clock can run dry. */
  dispose(): void {
    this.#disposed.abort();
  }

  /** The share of normal capacity of `model` at virtual time `ms` (the lowest of the windows in force). */
  capacityFactor(model: string, ms: number): number {
    return capacityFactorAt(this.#scenario.overloads, model, ms);
  }

  /** The highest stream-break probability of the overload windows in force for `model` at `ms`. */
  #streamBreakProbability(model: string, ms: number): number {
    return Math.max(0, ...overloadsAt(this.#scenario.overloads, model, ms).map((w) => w.streamBreakProbability ?? 0));
  }

  /** Concurrency limit of `model` at `ms`. */
  concurrencyLimit(model: string, ms: number): number {
    const spec = this.#spec(model);
    return Math.max(1, Math.floor(spec.maxConcurrent * this.capacityFactor(model, ms)));
  }

  /** Admissions allowed in the one-second window containing `ms`. */
  rateLimit(model: string, ms: number): number {
    const spec = this.#spec(model);
    return Math.max(1, Math.floor(spec.requestsPerSecond * this.capacityFactor(model, Math.floor(ms / 1000) * 1000)));
  }

  /** Every instant (ms) where some model's capacity changes, ascending. */
  capacityChangesMs(): number[] {
    const set = new Set<number>();
    for (const w of this.#scenario.overloads) {
      set.add(w.startS * 1000);
      set.add(w.endS * 1000);
    }
    return [...set].sort((a, b) => a - b);
  }

  /** Service time of a request of `model` producing `outputTokens`, in ms (TTFT + generation). */
  serviceMs(model: string, outputTokens: number): number {
    return this.#serviceMs(this.#spec(model), outputTokens);
  }

  /** Requests of `model` being served now. */
  inFlight(model: string): number {
    return this.#inFlight.get(model)?.length ?? 0;
  }

  /** Every Message Batch received, oldest first, with what each request became. */
  batchRecords(): BatchRecord[] {
    return this.#batches.all.map((b) => ({
      id: b.id,
      createdAtMs: b.createdAt,
      endedAtMs: b.endedAt,
      requests: b.requests.map((r) => {
        const tag = batchTag(r);
        return {
          callId: tag?.callId ?? -1,
          customId: r.custom_id,
          model: tag?.model ?? String(r.params.model ?? ''),
          inputTokens: tag?.inputTokens ?? 0,
          outputTokens: tag?.outputTokens ?? 0,
          result: b.results?.get(r.custom_id)?.kind ?? 'processing',
        };
      }),
    }));
  }

  /** The `fetch` the SDK is configured with. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const signal = init?.signal ?? undefined;
    const body = typeof init?.body === 'string' ? init.body : '';
    if (url.host === SIM_HOST && url.pathname.startsWith('/v1/messages/batches')) return this.#serveBatchApi(init?.method ?? 'GET', url.pathname, body, signal);
    const tag = url.host === SIM_HOST && url.pathname === '/v1/messages' ? parseSimTag(body) : undefined;
    const record: AttemptRecord = {
      seq: this.attempts.length,
      callId: tag?.callId ?? -1,
      model: tag?.model ?? '',
      stream: tag?.stream ?? false,
      sentAtMs: this.#clock.now(),
      inputTokens: tag?.inputTokens ?? 0,
      outputTokens: tag?.outputTokens ?? 0,
      arrivedAtMs: undefined,
      admittedAtMs: undefined,
      endedAtMs: undefined,
      result: 'pending',
      billedInputTokens: 0,
      billedOutputTokens: 0,
      retryAfterS: undefined,
    };
    this.attempts.push(record);
    const requestId = `req_sim_${record.seq}`;
    const half = this.#scenario.networkRttMs / 2;
    try {
      await this.#clock.sleep(half, signal);
    } catch (error) {
      this.#end(record, 'aborted');
      throw error;
    }
    record.arrivedAtMs = this.#clock.now();
    if (tag === undefined || !this.#models.has(tag.model)) {
      this.#end(record, 'invalid');
      return errorResponse(
        tag === undefined ? 400 : 404,
        tag === undefined ? 'invalid_request_error' : 'not_found_error',
        tag === undefined ? 'not a simulated Messages request' : `model: ${tag.model}`,
        requestId,
      );
    }
    const now = this.#clock.now();
    const reset = this.#scenario.resetWaves.find((w) => inWindow(w, now));
    if (reset !== undefined && this.#random() < reset.probability) {
      this.#end(record, 'reset');
      throw connectionResetError();
    }
    const retryAfterS = this.#takeRateLimitToken(now);
    if (retryAfterS !== undefined) {
      record.retryAfterS = retryAfterS;
      return this.#deliver(record, 'rate_limited', signal, () =>
        errorResponse(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit.', requestId, rateLimitHeaders(retryAfterS, { requests: 0 })),
      );
    }
    const spec = this.#spec(tag.model);
    if (!this.#admit(record, spec, now)) {
      return this.#deliver(record, 'overloaded', signal, () =>
        errorResponse(529, 'overloaded_error', 'Overloaded', requestId),
      );
    }
    return tag.stream ? this.#serveStream(record, spec, requestId, signal) : this.#serveJson(record, spec, requestId, signal);
  };

  /**
   * A request to the batch endpoints: half an RTT each way, answered by the fake's batch
   * logic. Not an attempt (not in {@link attempts}), and no admission: batch processing uses
   * none of the interactive capacity.
   */
  async #serveBatchApi(method: string, path: string, body: string, signal: AbortSignal | undefined): Promise<Response> {
    const half = this.#scenario.networkRttMs / 2;
    await this.#clock.sleep(half, signal);
    const requestId = `req_sim_batch_${this.batchApiCalls.length}`;
    let status = 0;
    let headers: Record<string, string> = {};
    let text = '';
    // The fake's batch answers are synchronous: head, then end.
    const connection: Connection = {
      head: (s, h) => {
        status = s;
        headers = { ...h };
      },
      write: (chunk) => void (text += chunk),
      end: (chunk) => void (text += chunk ?? ''),
      destroy: () => undefined,
      closed: false,
    };
    if (!this.#batches.handle(method, path, body, SIMULATED_BASE_URL, requestId, connection)) {
      status = 404;
      headers = {};
    }
    this.batchApiCalls.push({ atMs: this.#clock.now(), method, path, status });
    await this.#clock.sleep(half, signal);
    if (status === 404 && text === '') return errorResponse(404, 'not_found_error', `no endpoint ${method} ${path}`, requestId);
    return new Response(text, { status, headers });
  }

  #spec(model: string): ModelSpec {
    const spec = this.#models.get(model);
    if (spec === undefined) throw new RangeError(`unknown model: ${model}`);
    return spec;
  }

  /** Returns the `retry-after` in s when a rate-limit wave refuses the request. */
  #takeRateLimitToken(now: number): number | undefined {
    let retryAfter: number | undefined;
    this.#scenario.rateLimitWaves.forEach((w, i) => {
      if (!inWindow(w, now)) return;
      const bucket = this.#buckets[i]!;
      bucket.tokens = Math.min(w.requestsPerSecond, bucket.tokens + ((now - bucket.atMs) / 1000) * w.requestsPerSecond);
      bucket.atMs = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
      } else {
        const waitS = Math.max(1, Math.ceil((1 - bucket.tokens) / w.requestsPerSecond));
        retryAfter = Math.max(retryAfter ?? 0, waitS);
      }
    });
    return retryAfter;
  }

  #admit(record: AttemptRecord, spec: ModelSpec, now: number): boolean {
    const second = Math.floor(now / 1000);
    let window = this.#window.get(spec.id);
    if (window === undefined || window.second !== second) {
      window = { second, count: 0 };
      this.#window.set(spec.id, window);
    }
    const inFlight = this.#inFlight.get(spec.id)!;
    const concurrencyLimit = this.concurrencyLimit(spec.id, now);
    const rateLimit = this.rateLimit(spec.id, now);
    if (inFlight.length >= concurrencyLimit || window.count >= rateLimit) return false;
    window.count += 1;
    record.admittedAtMs = now;
    this.admissions.push({
      atMs: now,
      model: spec.id,
      inFlight: inFlight.length + 1,
      concurrencyLimit,
      windowAdmissions: window.count,
      rateLimit,
    });
    return true;
  }

  /** Sends an error answer back (half an RTT later) and records the result. */
  async #deliver(
    record: AttemptRecord,
    result: AttemptResult,
    signal: AbortSignal | undefined,
    respond: () => Response,
  ): Promise<Response> {
    this.#end(record, result);
    await this.#clock.sleep(this.#scenario.networkRttMs / 2, signal).catch(() => undefined);
    // The answer was already sent: a late abort does not change what the service did.
    if (signal?.aborted) throw abortError(signal);
    return respond();
  }

  #end(record: AttemptRecord, result: AttemptResult): void {
    if (record.result !== 'pending') throw new Error(`attempt ${record.seq} ended twice (${record.result}, ${result})`);
    record.result = result;
    record.endedAtMs = this.#clock.now();
  }

  #serviceMs(spec: ModelSpec, outputTokens: number): number {
    return spec.timeToFirstTokenMs + (outputTokens / spec.outputTokensPerSecond) * 1000;
  }

  /** Output tokens generated by `ms` after admission. */
  #generated(spec: ModelSpec, record: AttemptRecord, ms: number): number {
    const elapsed = ms - (record.admittedAtMs ?? ms) - spec.timeToFirstTokenMs;
    return Math.max(0, Math.min(record.outputTokens, Math.floor((elapsed / 1000) * spec.outputTokensPerSecond)));
  }

  /** The id and text of the message an attempt answers with. */
  #message(record: AttemptRecord): { id: string; text: string } {
    return { id: `msg_sim_${record.seq}`, text: `simulated answer to call ${record.callId}` };
  }

  #track(entry: InFlight): () => void {
    const list = this.#inFlight.get(entry.spec.id)!;
    list.push(entry);
    return () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Drops the newest in-flight requests of every model above its (new) concurrency limit. */
  #shedExcess(): void {
    const now = this.#clock.now();
    for (const [model, list] of this.#inFlight) {
      const limit = this.concurrencyLimit(model, now);
      while (list.length > limit) {
        // Untracked here, synchronously: the request's own cleanup runs only after its
        // sleep rejects, a microtask later.
        const newest = list.pop()!;
        newest.shed();
        this.sheds.push({ atMs: now, model, inFlightAfter: list.length, limit });
      }
    }
  }

  async #serveJson(
    record: AttemptRecord,
    spec: ModelSpec,
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const done = new AbortController();
    let shed = false;
    const untrack = this.#track({
      record,
      spec,
      shed: () => {
        shed = true;
        done.abort();
      },
    });
    const onAbort = (): void => done.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#clock.sleep(this.#serviceMs(spec, record.outputTokens), done.signal);
    } catch {
      untrack();
      signal?.removeEventListener('abort', onAbort);
      if (shed) {
        return this.#deliver(record, 'shed', signal, () =>
          errorResponse(529, 'overloaded_error', 'Overloaded', requestId),
        );
      }
      // The client hung up mid-generation: what was generated is billed and lost.
      record.billedInputTokens = record.inputTokens;
      record.billedOutputTokens = this.#generated(spec, record, this.#clock.now());
      this.#end(record, 'aborted');
      throw abortError(signal);
    }
    untrack();
    signal?.removeEventListener('abort', onAbort);
    record.billedInputTokens = record.inputTokens;
    record.billedOutputTokens = record.outputTokens;
    const { id, text } = this.#message(record);
    return this.#deliver(record, 'ok', signal, () =>
      jsonResponse(200, messageJson(id, record.model, text, record.inputTokens, record.outputTokens), requestId),
    );
  }

  async #serveStream(
    record: AttemptRecord,
    spec: ModelSpec,
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const clock = this.#clock;
    const half = this.#scenario.networkRttMs / 2;
    const message = this.#message(record);
    const encoder = new TextEncoder();
    const done = new AbortController();
    let state: 'before-headers' | 'streaming' | 'ended' = 'before-headers';
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    // Chunks reach the client half an RTT after the service sends them.
    const send = (text: string, close: boolean): void => {
      void clock.sleep(half).then(() => {
        try {
          controller.enqueue(encoder.encode(text));
          if (close) controller.close();
        } catch {
          // The client cancelled the body meanwhile.
        }
      });
    };
    const finish = (result: AttemptResult, billOutput: number): void => {
      if (state === 'ended') return;
      state = 'ended';
      untrack();
      signal?.removeEventListener('abort', onAbort);
      done.abort();
      record.billedInputTokens = record.inputTokens;
      record.billedOutputTokens = billOutput;
      this.#end(record, result);
    };
    let shedBeforeHeaders = false;
    const untrack = this.#track({
      record,
      spec,
      shed: () => {
        if (state === 'before-headers') {
          shedBeforeHeaders = true;
          done.abort();
        } else {
          finish('stream_overloaded', this.#generated(spec, record, clock.now()));
          send(errorEvent(), true);
        }
      },
    });
    const onAbort = (): void => {
      if (state === 'before-headers') done.abort();
      else {
        finish('aborted', this.#generated(spec, record, clock.now()));
        // As fetch does: an abort after the headers errors the body the client is reading.
        try {
          controller.error(abortError(signal));
        } catch {
          // The body was closed or cancelled already.
        }
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await clock.sleep(spec.timeToFirstTokenMs, done.signal);
    } catch {
      untrack();
      signal?.removeEventListener('abort', onAbort);
      if (shedBeforeHeaders) {
        return this.#deliver(record, 'shed', signal, () =>
          errorResponse(529, 'overloaded_error', 'Overloaded', requestId),
        );
      }
      this.#end(record, 'aborted');
      throw abortError(signal);
    }
    state = 'streaming';
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel: () => finish('aborted', this.#generated(spec, record, clock.now())),
    });
    send(streamHead(message.id, record.model, record.inputTokens).join(''), false);
    const generationMs = this.#serviceMs(spec, record.outputTokens) - spec.timeToFirstTokenMs;
    const breakProbability = this.#streamBreakProbability(spec.id, clock.now());
    // The overloaded service may drop the stream part-way through its generation.
    const breakAtMs = breakProbability > 0 && this.#random() < breakProbability ? generationMs * this.#random() : undefined;
    const endMs = breakAtMs ?? generationMs;
    const streamStart = clock.now();
    void (async () => {
      // Text arrives in a delta per STREAM_CHUNK_MS of generation, as the real API streams it.
      for (let t = 0; t < endMs; ) {
        const next = Math.min(t + STREAM_CHUNK_MS, endMs);
        try {
          await clock.sleep(next - t, done.signal);
        } catch {
          return; // shed, aborted or cancelled meanwhile
        }
        t = next;
        if (t < endMs) send(textDeltaEvent(`${this.#generated(spec, record, clock.now())} tokens after ${Math.round(clock.now() - streamStart)} ms; `), false);
      }
      if (breakAtMs !== undefined) {
        finish('stream_overloaded', this.#generated(spec, record, clock.now()));
        send(errorEvent(), true);
      } else {
        finish('ok', record.outputTokens);
        send(textDeltaEvent(message.text) + streamTail(record.outputTokens).join(''), true);
      }
    })();
    await clock.sleep(half).catch(() => undefined);
    if (signal?.aborted) {
      finish('aborted', this.#generated(spec, record, clock.now()));
      throw abortError(signal);
    }
    return new Response(body, { status: 200, headers: streamHeaders(requestId) });
  }
}

/** The sim tag a batch request's params carry (their `metadata.user_id`), as the interactive endpoint reads it. */
function batchTag(request: BatchRequest) {
  return parseSimTag(JSON.stringify(request.params));
}
