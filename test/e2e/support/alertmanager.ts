import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoPath } from '../../support/paths.js';

/** Where the shipped config reads its secrets (deploy/alertmanager/alertmanager.yml). */
export const SHIPPED_SECRETS_DIR = '/etc/alertmanager-secrets/';

interface Route {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

/** What {@link testAlertmanagerConfig} wrote. */
export interface TestAlertmanagerConfig {
  /** The config file to start Alertmanager with. */
  readonly file: string;
  /** The PagerDuty routing key it reads from its secret file. */
  readonly routingKey: string;
}

/**
 * The test-only Alertmanager configuration, derived from the shipped one: the same routes,
 * inhibitions, receivers and templates; its secret files written into `dir` (a Slack webhook
 * URL that points at `receiverBase`/slack, a made-up PagerDuty routing key), PagerDuty's
 * events URL pointed at `receiverBase`/pagerduty, and the grouping delays in seconds instead
 * of minutes so that a notification leaves within a test.
 */
export function testAlertmanagerConfig(dir: string, receiverBase: string): TestAlertmanagerConfig {
  const shippedDir = repoPath('deploy', 'alertmanager');
  const secrets = path.join(dir, 'secrets');
  mkdirSync(secrets, { recursive: true });
  const routingKey = 'e2e-routing-key-0123456789abcdef';
  writeFileSync(path.join(secrets, 'slack-webhook-url'), `${receiverBase}/slack\n`);
  writeFileSync(path.join(secrets, 'pagerduty-routing-key'), `${routingKey}\n`);
  const text = readFileSync(path.join(shippedDir, 'alertmanager.yml'), 'utf8').replaceAll(SHIPPED_SECRETS_DIR, `${secrets}/`);
  const config = parse(text) as { global: Record<string, string>; templates: string[]; route: Route };
  config.global.pagerduty_url = `${receiverBase}/pagerduty`;
  const fast = (route: Route) => {
    if (route.group_wait) route.group_wait = '1s';
    if (route.group_interval) route.group_interval = '1s';
    for (const child of route.routes ?? []) fast(child);
  };
  fast(config.route);
  for (const template of config.templates) copyFileSync(path.join(shippedDir, template), path.join(dir, template));
  const file = path.join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  return { file, routingKey };
}

/** One request a {@link WebhookReceiver} received. */
export interface ReceivedRequest {
  readonly path: string;
  readonly body: unknown;
}

/**
 * A local HTTP server that stands in for Slack and PagerDuty: it records every JSON POST
 * and answers as they do (Slack 200 "ok", PagerDuty 202).
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text: the test shows what arrived
        }
        this.received.push({ path: req.url ?? '', body });
        if (req.url?.startsWith('/pagerduty')) {
          res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
        } else {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }
      });
    });
  }

  /** Listens on a free port of 127.0.0.1. */
  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const address = receiver.server.address();
    if (!address || typeof address !== 'object') throw new Error('the webhook receiver has no port');
    receiver.port = address.port;
    return receiver;
  }

  /** Its base URL, e.g. http://127.0.0.1:43211 */
  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The bodies of the requests received on paths that start with `pathPrefix`. */
  on(pathPrefix: string): unknown[] {
    return this.received.filter((r) => r.path.startsWith(pathPrefix)).map((r) => r.body);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
