import type { Connection } from './Connection.js';
import { sendJson } from './respond.js';
import { countInputTokens, DEFAULT_TEXT, errorJson, messageJson, textDeltas, type MessageRequestBody } from './wire.js';

/**
 * The Message Batches API as the fakes serve it (`/v1/messages/batches`): create, retrieve,
 * list, cancel and the JSONL results, in the shapes of the SDK's `MessageBatch` and
 * `MessageBatchIndividualResponse` (`@anthropic-ai/sdk/resources/messages/batches`). A batch
 * does nothing by itself until the test says: it ends when the test calls {@link FakeBatches.end}
 * (or `expire`), or once `processingMs` of the fake's clock have passed since its creation.
 * What each request of a batch becomes is scripted per `custom_id`, or by `outcome`.
 */

/** The API's limits on one batch. */
export const BATCH_LIMITS = Object.freeze({
  /** Requests in one batch. */
  maxRequests: 100_000,
  /** Bytes of the create request's body. */
  maxBytes: 256 * 1024 * 1024,
  /** A batch that has not ended this long after its creation expires, in ms. */
  windowMs: 24 * 3_600_000,
});

/** What one request of a batch becomes once the batch ends. */
export type BatchOutcome =
  /** `succeeded`, with a message like the Messages API's answer to the same params. */
  | { readonly kind: 'succeeded'; readonly text?: string; readonly inputTokens?: number; readonly outputTokens?: number }
  /** `errored`, with an Anthropic error body of this type (`overloaded_error`, `invalid_request_error`...). */
  | { readonly kind: 'errored'; readonly type: string; readonly message?: string }
  /** Not processed: the batch was canceled. */
  | { readonly kind: 'canceled' }
  /** Not processed within the batch's 24 hours. */
  | { readonly kind: 'expired' }
  /** A results line that is not JSON (a corrupt download): `line`, or a JSON line cut short. */
  | { readonly kind: 'malformed'; readonly line?: string };

export const batchSucceeded = (options: Omit<Extract<BatchOutcome, { kind: 'succeeded' }>, 'kind'> = {}): BatchOutcome => ({ kind: 'succeeded', ...options });
export const batchErrored = (type = 'overloaded_error', message?: string): BatchOutcome => ({ kind: 'errored', type, ...(message === undefined ? {} : { message }) });
export const batchExpired = (): BatchOutcome => ({ kind: 'expired' });
export const batchCanceled = (): BatchOutcome => ({ kind: 'canceled' });
export const batchMalformed = (line?: string): BatchOutcome => ({ kind: 'malformed', ...(line === undefined ? {} : { line }) });

/** One request of a batch, as the fake received it. */
export interface BatchRequest {
  readonly custom_id: string;
  readonly params: MessageRequestBody & Record<string, unknown>;
}

/** A batch as the fake keeps it. */
export interface FakeBatch {
  readonly id: string;
  readonly requests: readonly BatchRequest[];
  /** The fake clock's time of creation, in ms. */
  readonly createdAt: number;
  status: 'in_progress' | 'canceling' | 'ended';
  endedAt?: number;
  cancelInitiatedAt?: number;
  /** Each request's outcome, by `custom_id`, once the batch ended. */
  results?: ReadonlyMap<string, BatchOutcome>;
}

/** Options of the fakes' batch endpoints (`FakeAnthropicOptions.batches`). */
export interface FakeBatchOptions {
  /** The fake's clock, in epoch ms (for `created_at`, `ended_at`, `processingMs`). Defaults to `Date.now`; give a virtual clock's `now`. */
  now?: () => number;
  /**
   * A batch ends by itself once this many ms of `now` have passed since its creation (seen at
   * the next request about it). Defaults to never: the test ends it with `end()`.
   */
  processingMs?: number;
  /** What a request whose `custom_id` was not scripted becomes. Defaults to `succeeded`. */
  outcome?: (request: BatchRequest) => BatchOutcome;
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/** The batch endpoints of one fake: its batches, their scripted outcomes, and the answers. */
export class FakeBatches {
  readonly #batches = new Map<string, FakeBatch>();
  readonly #scripted = new Map<string, BatchOutcome>();
  readonly #now: () => number;
  readonly #processingMs: number | undefined;
  readonly #outcome: (request: BatchRequest) => BatchOutcome;
  #seq = 0;

  constructor(options: FakeBatchOptions = {}) {
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`FakeAnthropic: batches.now must be a function () => ms, got ${typeof options.now}`);
    if (options.outcome !== undefined && typeof options.outcome !== 'function') throw new TypeError(`FakeAnthropic: batches.outcome must be a function (request) => BatchOutcome, got ${typeof options.outcome}`);
    if (options.processingMs !== undefined && !(Number.isFinite(options.processingMs) && options.processingMs >= 0)) {
      throw new RangeError(`FakeAnthropic: batches.processingMs must be a number of milliseconds >= 0, got ${String(options.processingMs)}`);
    }
    this.#now = options.now ?? Date.now;
    this.#processingMs = options.processingMs;
    this.#outcome = options.outcome ?? (() => batchSucceeded());
  }

  /** Every batch created, oldest first. */
  get all(): FakeBatch[] {
    return [...this.#batches.values()];
  }

  /** One batch, or `undefined`. */
  get(id: string): FakeBatch | undefined {
    return this.#batches.get(id);
  }

  /** Scripts what the request with this `custom_id` becomes, in whichever batch it comes (until the fake is dropped). */
  script(customId: string, outcome: BatchOutcome): this {
    this.#scripted.set(customId, outcome);
    return this;
  }

  /** Ends a batch now (every batch still in progress when `id` is omitted): each request gets its outcome. Returns the batches ended. */
  end(id?: string): FakeBatch[] {
    return this.#pick(id).map((batch) => this.#finish(batch, 'outcome'));
  }

  /** Ends a batch now as one that ran out of its 24 hours: every request `expired`. */
  expire(id?: string): FakeBatch[] {
    return this.#pick(id).map((batch) => this.#finish(batch, 'expired'));
  }

  #pick(id: string | undefined): FakeBatch[] {
    if (id === undefined) return this.all.filter((b) => b.status !== 'ended');
    const batch = this.#batches.get(id);
    if (!batch) throw new RangeError(`FakeBatches: no batch ${JSON.stringify(id)}`);
    return batch.status === 'ended' ? [] : [batch];
  }

  #finish(batch: FakeBatch, how: 'outcome' | 'expired' | 'canceled'): FakeBatch {
    const results = new Map<string, BatchOutcome>();
    for (const request of batch.requests) {
      results.set(request.custom_id, how === 'expired' ? batchExpired() : how === 'canceled' ? batchCanceled() : (this.#scripted.get(request.custom_id) ?? this.#outcome(request)));
    }
    batch.results = results;
    batch.status = 'ended';
    batch.endedAt = this.#now();
    return batch;
  }

  /** A batch whose `processingMs` has passed ends now; one being canceled ends canceled. */
  #advance(batch: FakeBatch): void {
    if (batch.status === 'canceling') this.#finish(batch, 'canceled');
    else if (batch.status === 'in_progress') {
      if (this.#now() >= batch.createdAt + BATCH_LIMITS.windowMs) this.#finish(batch, 'expired');
      else if (this.#processingMs !== undefined && this.#now() >= batch.createdAt + this.#processingMs) this.#finish(batch, 'outcome');
    }
  }

  /**
   * Answers a request under `/v1/messages/batches`; `baseUrl` makes the `results_url`.
   * Returns false when the path is not one of the batch endpoints.
   */
  handle(method: string, path: string, raw: string, baseUrl: string, requestId: string, connection: Connection): boolean {
    const m = /^\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/.exec(path);
    if (!m) return false;
    const [, id, action] = m;
    const fail = (status: number, type: string, message: string) => sendJson(connection, status, errorJson(type, message, { requestId }), requestId);
    if (id === undefined) {
      if (method === 'POST') {
        this.#create(raw, baseUrl, requestId, connection, fail);
        return true;
      }
      if (method === 'GET') {
        const data = this.all.reverse().map((b) => (this.#advance(b), this.#wire(b, baseUrl)));
        sendJson(connection, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }, requestId);
        return true;
      }
      fail(405, 'invalid_request_error', `method ${method} not allowed on /v1/messages/batches`);
      return true;
    }
    const batch = this.#batches.get(id);
    if (!batch) {
      fail(404, 'not_found_error', `no message batch ${id}`);
      return true;
    }
    this.#advance(batch);
    if (action === undefined && method === 'GET') sendJson(connection, 200, this.#wire(batch, baseUrl), requestId);
    else if (action === 'cancel' && method === 'POST') {
      if (batch.status === 'in_progress') {
        batch.status = 'canceling';
        batch.cancelInitiatedAt = this.#now();
      }
      sendJson(connection, 200, this.#wire(batch, baseUrl), requestId);
    } else if (action === 'results' && method === 'GET') {
      if (batch.status !== 'ended' || !batch.results) fail(404, 'not_found_error', `message batch ${id} has not ended: no results yet`);
      else {
        const text = this.#resultsText(batch);
        connection.head(200, { 'content-type': 'application/x-jsonl', 'content-length': String(Buffer.byteLength(text)), 'request-id': requestId });
        connection.end(text);
      }
    } else fail(405, 'invalid_request_error', `method ${method} not allowed on ${path}`);
    return true;
  }

  #create(raw: string, baseUrl: string, requestId: string, connection: Connection, fail: (status: number, type: string, message: string) => void): void {
    if (Buffer.byteLength(raw) > BATCH_LIMITS.maxBytes) return fail(413, 'request_too_large', `a message batch is limited to ${BATCH_LIMITS.maxBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return fail(400, 'invalid_request_error', 'the body is not JSON');
    }
    const requests = (body as { requests?: unknown } | null)?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return fail(400, 'invalid_request_error', 'requests: expected a non-empty array');
    if (requests.length > BATCH_LIMITS.maxRequests) return fail(400, 'invalid_request_error', `requests: at most ${BATCH_LIMITS.maxRequests} in one batch, got ${requests.length}`);
    const seen = new Set<string>();
    for (const [i, r] of requests.entries()) {
      const { custom_id, params } = (r ?? {}) as { custom_id?: unknown; params?: unknown };
      if (typeof custom_id !== 'string' || !CUSTOM_ID.test(custom_id)) return fail(400, 'invalid_request_error', `requests.${i}.custom_id: expected 1 to 64 letters, digits, '-' or '_', got ${JSON.stringify(custom_id)}`);
      if (seen.has(custom_id)) return fail(400, 'invalid_request_error', `requests.${i}.custom_id: ${custom_id} is not unique in the batch`);
      seen.add(custom_id);
      if (typeof params !== 'object' || params === null) return fail(400, 'invalid_request_error', `requests.${i}.params: expected an object`);
    }
    this.#seq++;
    const batch: FakeBatch = { id: `msgbatch_fake_${this.#seq}`, requests: requests as BatchRequest[], createdAt: this.#now(), status: 'in_progress' };
    this.#batches.set(batch.id, batch);
    sendJson(connection, 200, this.#wire(batch, baseUrl), requestId);
  }

  /** The batch as the API shows it (`MessageBatch`). */
  #wire(batch: FakeBatch, baseUrl: string) {
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (!batch.results) counts.processing = batch.requests.length;
    else for (const outcome of batch.results.values()) counts[outcome.kind === 'malformed' ? 'succeeded' : outcome.kind]++;
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: counts,
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + BATCH_LIMITS.windowMs),
      ended_at: iso(batch.endedAt),
      cancel_initiated_at: iso(batch.cancelInitiatedAt),
      archived_at: null,
      results_url: batch.status === 'ended' ? `${baseUrl}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  /**
   * The results file: one JSON line per request, in the reverse order of the requests (the API
   * promises no order; a client must match by `custom_id`).
   */
  #resultsText(batch: FakeBatch): string {
    const lines = [...batch.requests].reverse().map((request, i) => {
      const outcome = batch.results!.get(request.custom_id)!;
      const n = batch.requests.length - i;
      switch (outcome.kind) {
        case 'succeeded': {
          const text = outcome.text ?? DEFAULT_TEXT;
          const message = messageJson(`msg_fake_${batch.id}_${n}`, request.params.model ?? 'unknown-model', text, outcome.inputTokens ?? countInputTokens(request.params), outcome.outputTokens ?? textDeltas(text).length);
          return JSON.stringify({ custom_id: request.custom_id, result: { type: 'succeeded', message } });
        }
        case 'errored':
          return JSON.stringify({ custom_id: request.custom_id, result: { type: 'errored', error: { ...errorJson(outcome.type, outcome.message ?? outcome.type), request_id: null } } });
        case 'canceled':
        case 'expired':
          return JSON.stringify({ custom_id: request.custom_id, result: { type: outcome.kind } });
        case 'malformed':
          return outcome.line ?? `{"custom_id": "${request.custom_id}", "result": {"type": "succ`;
      }
    });
    return `${lines.join('\n')}\n`;
  }
}
