import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from './Connection.js';
import { ScriptedAnthropic, type FakeAnthropicOptions } from './ScriptedAnthropic.js';

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
export class FakeAnthropic extends ScriptedAnthropic {
  readonly #server: Server;
  #url = '';

  private constructor(options: FakeAnthropicOptions) {
    super(options);
    this.#server = createServer((req, res) => void this.#receive(req, res));
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

  /** Stops the server, cutting any connection still open (a `hang` among them). */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const connection: Connection = {
      head: (status, headers) => void res.writeHead(status, headers),
      write: (chunk) => void res.write(chunk),
      end: (chunk) => void res.end(chunk),
      destroy: () => void req.socket.destroy(),
      get closed() {
        return res.destroyed;
      },
    };
    await this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), connection);
  }
}

/** Starts a {@link FakeAnthropic} on 127.0.0.1 on a free port (the same as `FakeAnthropic.start`). */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  return FakeAnthropic.start(options);
}
