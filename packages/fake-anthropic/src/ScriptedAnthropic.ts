import { ok, type Behaviour } from './behaviours.js';
import { FakeBatches, type FakeBatchOptions } from './batches.js';
import type { Connection } from './Connection.js';
import { realSleep, respond, sendJson, type Sleep } from './respond.js';
import { errorJson, type MessageRequestBody } from './wire.js';

/** One request as the fake received it. */
export interface RecordedRequest {
  /** 1-based, in arrival order. */
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body; `undefined` when it was not JSON. */
  readonly body: MessageRequestBody | undefined;
  /** `performance.now()` at arrival. */
  readonly receivedAt: number;
  /** What the fake did with it. */
  readonly behaviour: Behaviour;
}

export interface FakeAnthropicOptions {
  /** Behaviours for the next requests, in order; once used up, `otherwise` applies. */
  script?: Behaviour[];
  /** Chooses the behaviour of each request that the script does not cover. Defaults to `ok()`. */
  otherwise?: Behaviour | ((request: Omit<RecordedRequest, 'behaviour'>) => Behaviour);
  /**
   * How the fake waits (`delayMs`, `deltaDelayMs`). Defaults to a real timer; pass a
   * virtual clock's `sleep` to make slow responses cost no real time.
   */
  sleep?: Sleep;
  /** The Message Batches endpoints (`/v1/messages/batches`): the clock, when batches end, what each request becomes. */
  batches?: FakeBatchOptions;
}

/**
 * What both fakes share — the local server and the in-process fetch handler: the script,
 * the record of requests, and the answer to each.
 */
export abstract class ScriptedAnthropic {
  readonly requests: RecordedRequest[] = [];
  /**
   * The Message Batches endpoints: the batches created, and the test's hand on them (`end`,
   * `expire`, `script(customId, outcome)`). Batch requests are not among {@link requests}.
   */
  readonly batches: FakeBatches;
  readonly #script: Behaviour[];
  #otherwise: NonNullable<FakeAnthropicOptions['otherwise']>;
  readonly #sleep: Sleep;

  protected constructor(options: FakeAnthropicOptions) {
    if (options.sleep !== undefined && typeof options.sleep !== 'function') throw new TypeError(`FakeAnthropic: sleep must be a function (ms) => Promise<void>, got ${typeof options.sleep}`);
    if (options.script !== undefined && !Array.isArray(options.script)) throw new TypeError(`FakeAnthropic: script must be an array of behaviours, got ${typeof options.script}`);
    this.#script = [...(options.script ?? [])];
    this.#otherwise = options.otherwise ?? ok();
    this.#sleep = options.sleep ?? realSleep;
    this.batches = new FakeBatches(options.batches);
  }

  /** The base URL to give the SDK (`baseURL`). */
  abstract get url(): string;

  /** Appends behaviours for the next requests. */
  enqueue(...behaviours: Behaviour[]): void {
    this.#script.push(...behaviours);
  }

  /** Appends behaviours for the next requests (the same as {@link enqueue}); returns the fake. */
  script(...behaviours: Behaviour[]): this {
    this.#script.push(...behaviours);
    return this;
  }

  /** Behaviours scripted and not yet used. */
  get pending(): number {
    return this.#script.length;
  }

  /** Replaces what happens once the script is used up. */
  otherwise(behaviour: NonNullable<FakeAnthropicOptions['otherwise']>): void {
    this.#otherwise = behaviour;
  }

  /** Requests answered per outcome: the HTTP status as a string, or `reset` / `hang`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.requests) {
      const key = 'status' in r.behaviour ? String(r.behaviour.status) : r.behaviour.kind === 'reset' || r.behaviour.kind === 'hang' ? r.behaviour.kind : '200';
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Records one request and answers it on `connection`. */
  protected async handle(method: string, url: string, headers: RecordedRequest['headers'], raw: string, connection: Connection): Promise<void> {
    let body: MessageRequestBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as MessageRequestBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = url.split('?')[0]!;
    if (path.startsWith('/v1/messages/batches') && this.batches.handle(method, path, raw, this.url, `req_fake_batch_${this.requests.length + 1}`, connection)) return;
    const seen = { seq: this.requests.length + 1, method, path, headers, body, receivedAt: performance.now() };
    if (method !== 'POST' || path !== '/v1/messages') {
      this.requests.push({ ...seen, behaviour: { kind: 'error', status: 404, type: 'not_found_error' } });
      const requestId = `req_fake_${seen.seq}`;
      return sendJson(connection, 404, errorJson('not_found_error', `no route ${method} ${path}`, { requestId }), requestId);
    }
    const behaviour = this.#script.shift() ?? (typeof this.#otherwise === 'function' ? this.#otherwise(seen) : this.#otherwise);
    this.requests.push({ ...seen, behaviour });
    await respond(behaviour, seen.seq, body, connection, this.#sleep);
  }
}
