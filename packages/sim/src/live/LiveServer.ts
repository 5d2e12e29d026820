/**
 * The simulated service over real HTTP on 127.0.0.1: every request is handed to a
 * {@link SimulatedService} (running in real time) and its wire-format `Response` —
 * JSON, errors with headers, SSE streams — is written back. A connection reset by the
 * service is a real reset of the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATED_BASE_URL, type SimulatedService } from '../SimulatedService.js';

export class LiveServer {
  readonly #service: SimulatedService;
  readonly #server: Server;

  constructor(service: SimulatedService) {
    this.#service = service;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Listens on 127.0.0.1; resolves to the base URL clients use. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) hangUp.abort(new DOMException('client closed the connection', 'AbortError'));
    });
    let response: Response;
    try {
      response = await this.#service.fetch(`${SIMULATED_BASE_URL}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        body: Buffer.concat(chunks).toString('utf8'),
        signal: hangUp.signal,
      });
    } catch {
      // A reset (or the client went away): drop the connection without an answer.
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body === null) {
      res.end();
      return;
    }
    try {
      for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  }
}
