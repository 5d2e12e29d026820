import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded-format Statuspage v2 summary from test/fixtures. */
export const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8');

/** What the page answers: a summary body (served with an ETag and Last-Modified, 304 to a matching conditional request), raw garbage, or an HTTP status. */
export type PageAnswer = { summary: string; etag?: string; lastModified?: string } | { raw: string; status?: number; contentType?: string } | { status: number };

/** A local Statuspage: serves `/api/v2/summary.json` as the test sets it, and records each request's headers. */
export class StatusServer {
  readonly requests: IncomingHttpHeaders[] = [];
  answer: PageAnswer = { summary: fixture('operational'), etag: 'W/"v1"', lastModified: 'Sun, 06 Dec 2026 07:58:12 GMT' };

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<StatusServer> {
    const holder: { page?: StatusServer } = {};
    const server = createServer((req, res) => {
      const page = holder.page!;
      page.requests.push(req.headers);
      if (req.url !== '/api/v2/summary.json') {
        res.writeHead(404).end('not found');
        return;
      }
      const a = page.answer;
      if ('summary' in a) {
        const fresh = (a.etag !== undefined && req.headers['if-none-match'] === a.etag) || (a.etag === undefined && a.lastModified !== undefined && req.headers['if-modified-since'] === a.lastModified);
        const headers = { ...(a.etag ? { etag: a.etag } : {}), ...(a.lastModified ? { 'last-modified': a.lastModified } : {}) };
        if (fresh) res.writeHead(304, headers).end();
        else res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(a.summary);
      } else if ('raw' in a) res.writeHead(a.status ?? 200, { 'content-type': a.contentType ?? 'application/json' }).end(a.raw);
      else res.writeHead(a.status, { 'content-type': 'text/html' }).end('<html>oops</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.page = new StatusServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.page;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
