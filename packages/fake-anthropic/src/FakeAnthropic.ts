import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ok, type Behaviour } from './behaviours.js';
import { countInputTokens, DEFAULT_TEXT, errorJson, messageJson, sse, streamEvents, textDeltas, type MessageRequestBody } from './wire.js';

/** One request as the server received it. */
export interface RecordedRequest {
  /** 1-based, in arrival order. */
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body; `undefined` when it was not JSON. */
  readonly body: MessageRequestBody | undefined;
  /** `performance.now()` at arrival. */
  readonly receivedAt: number;
  /** What the server did with it. */
  readonly behaviour: Behaviour;
}

export interface FakeAnthropicOptions {
  /** Behaviours for the next requests, in order; once used up, `otherwise` applies. */
  script?: Behaviour[];
  /** Chooses the behaviour of each request that the script does not cover. */
  otherwise?: Behaviour | ((request: Omit<RecordedRequest, 'behaviour'>) => Behaviour);
  /**
   * How the server waits (`delayMs`, `deltaDelayMs`). Defaults to a real timer; pass a
   * virtual clock's `sleep` to make slow responses cost no real time.
   */
  sleep?: (ms: number) => Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A local HTTP server that speaks the Anthropic Messages API (`POST /v1/messages`, JSON
 * and SSE) and answers each request as scripted: answers, JSON errors, proxy HTML pages,
 * reset sockets, SSE `error` events and cut streams. It records every request it receives.
 *
 * @example
 * const server = await FakeAnthropic.start({ script: [overloaded(), ok()] });
 * const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
 * await server.close();
 */
export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  readonly #script: Behaviour[];
  #otherwise: NonNullable<FakeAnthropicOptions['otherwise']>;
  readonly #server: Server;
  readonly #sleep: (ms: number) => Promise<void>;
  #url = '';

  private constructor(options: FakeAnthropicOptions) {
    if (options.sleep !== undefined && typeof options.sleep !== 'function') throw new TypeError(`FakeAnthropic: sleep must be a function (ms) => Promise<void>, got ${typeof options.sleep}`);
    this.#script = [...(options.script ?? [])];
    this.#otherwise = options.otherwise ?? ok();
    this.#sleep = options.sleep ?? realSleep;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 1000;
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** The base URL to give the SDK (`baseURL`). */
  get url(): string {
    return this.#url;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Appends behaviours for the next requests. */
  enqueue(...behaviours: Behaviour[]): void {
    this.#script.push(...behaviours);
  }

  /** Appends behaviours for the next requests (the same as {@link enqueue}); returns the server. */
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

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: MessageRequestBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as MessageRequestBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const seen = { seq: this.requests.length + 1, method: req.method ?? 'GET', path, headers: req.headers, body, receivedAt: performance.now() };
    if (req.method !== 'POST' || path !== '/v1/messages') {
      this.requests.push({ ...seen, behaviour: { kind: 'error', status: 404, type: 'not_found_error' } });
      return json(res, 404, errorJson('not_found_error', `no route ${req.method} ${path}`), { 'request-id': `req_fake_${seen.seq}` });
    }
    const behaviour = this.#script.shift() ?? (typeof this.#otherwise === 'function' ? this.#otherwise(seen) : this.#otherwise);
    this.requests.push({ ...seen, behaviour });
    await this.#respond(behaviour, seen.seq, body, req, res);
  }

  async #respond(b: Behaviour, seq: number, body: MessageRequestBody | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = `msg_fake_${seq}`;
    const model = body?.model ?? 'unknown-model';
    const inputTokens = ('inputTokens' in b && b.inputTokens) || (body ? countInputTokens(body) : 1);
    const common = { 'request-id': `req_fake_${seq}` };
    const wait = (ms: number | undefined) => (ms ? this.#sleep(ms) : Promise.resolve());
    switch (b.kind) {
      case 'ok': {
        await wait(b.delayMs);
        const text = b.text ?? DEFAULT_TEXT;
        const outputTokens = b.outputTokens ?? textDeltas(text).length;
        const cache = {
          ...(b.cacheReadInputTokens === undefined ? {} : { cacheReadInputTokens: b.cacheReadInputTokens }),
          ...(b.cacheCreationInputTokens === undefined ? {} : { cacheCreationInputTokens: b.cacheCreationInputTokens }),
        };
        const named = b.model ?? model;
        if (body?.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...common, ...b.headers });
          const { head, deltas, tail } = streamEvents(id, named, text, inputTokens, outputTokens, cache);
          if (!b.deltaDelayMs) {
            res.end([...head, ...deltas, ...tail].join(''));
            return;
          }
          res.write(head.join(''));
          for (const delta of deltas) {
            await wait(b.deltaDelayMs);
            if (res.destroyed) return; // the client went away (an abort)
            res.write(delta);
          }
          res.end(tail.join(''));
          return;
        }
        return json(res, 200, messageJson(id, named, text, inputTokens, outputTokens, cache), { ...common, ...b.headers });
      }
      case 'error':
        await wait(b.delayMs);
        return json(res, b.status, errorJson(b.type, b.message ?? b.type, b.errorCode), { ...common, ...b.headers });
      case 'html': {
        const page = b.body ?? '<html><body>error</body></html>';
        res.writeHead(b.status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page), ...b.headers });
        res.end(page);
        return;
      }
      case 'reset':
        await wait(b.delayMs);
        req.socket.destroy();
        return;
      case 'hang':
        return; // closeAllConnections() on close() ends it
      case 'stream-error':
      case 'stream-cut':
      case 'stream-garbage': {
        const text = b.text ?? DEFAULT_TEXT;
        const { head, deltas } = streamEvents(id, model, text, inputTokens, textDeltas(text).length);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...common });
        const before = b.kind === 'stream-error' && b.beforeMessageStart ? [] : [...head, ...deltas.slice(0, b.afterDeltas)];
        if (before.length) res.write(before.join(''));
        if (b.kind === 'stream-error') {
          res.end(sse('error', errorJson(b.type ?? 'overloaded_error', b.message ?? 'Overloaded')));
        } else if (b.kind === 'stream-garbage') {
          res.end('event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {not json\n\n');
        } else {
          // Let the bytes leave before the cut, as a proxy dying mid-stream does.
          await realSleep(20);
          req.socket.destroy();
        }
        return;
      }
    }
  }
}

/** Starts a {@link FakeAnthropic} on 127.0.0.1 on a free port (the same as `FakeAnthropic.start`). */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  return FakeAnthropic.start(options);
}
