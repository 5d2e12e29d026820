import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { repoPath } from '../../support/paths.js';

/**
 * The recorded-format Statuspage v2 summaries of @stormwatch/probe's tests
 * (packages/probe/test/fixtures): `operational` (every component operational, indicator
 * none, no incident) and `incident` (components degraded to major outage, indicator major,
 * two unresolved incidents).
 */
export type StatusFixture = 'operational' | 'incident';

const fixture = (name: StatusFixture): string => readFileSync(repoPath('packages', 'probe', 'test', 'fixtures', `${name}.json`), 'utf8');

/**
 * A local Atlassian Statuspage: serves `/api/v2/summary.json` from a fixture, with an ETag
 * per fixture and 304 to a matching `If-None-Match`, as the real page answers the watch's
 * conditional requests. The test switches what it shows with {@link show}.
 */
export class StatusPage {
  /** Requests for the summary, fresh and conditional. */
  polls = 0;
  #showing: StatusFixture = 'operational';

  private constructor(
    private readonly server: Server,
    /** The page's base URL (`STORMWATCH_STATUS_URL`), e.g. `http://127.0.0.1:43125`. */
    readonly url: string,
  ) {}

  static async start(): Promise<StatusPage> {
    const holder: { page?: StatusPage } = {};
    const server = createServer((req, res) => {
      const page = holder.page as StatusPage;
      if (req.url !== '/api/v2/summary.json') {
        res.writeHead(404).end('not found');
        return;
      }
      page.polls += 1;
      const etag = `W/"${page.#showing}"`;
      if (req.headers['if-none-match'] === etag) res.writeHead(304, { etag }).end();
      else res.writeHead(200, { 'content-type': 'application/json', etag }).end(fixture(page.#showing));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.page = new StatusPage(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.page;
  }

  /** What the page shows from now on. */
  show(name: StatusFixture): void {
    this.#showing = name;
  }

  /** The `stormwatch.status.page` attribute the watch gives this page: its host. */
  get host(): string {
    return new URL(this.url).host;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
