import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One OTLP/HTTP request as the receiver got it. */
export interface OtlpRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A JSON-encoded OTLP `KeyValue`. */
interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

export interface ReceivedSpan {
  readonly serviceName: string | undefined;
  readonly scope: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  /** The span's events, in order. */
  readonly events: readonly { readonly name: string; readonly attributes: Record<string, unknown> }[];
}

export interface ReceivedMetric {
  readonly serviceName: string | undefined;
  readonly scope: string;
  readonly name: string;
  readonly unit: string;
}

export type Behaviour = 'answer' | 'hang';

/**
 * A collector stand-in on 127.0.0.1: records every request; `answer` replies 200 with an
 * empty export response, `hang` never replies (a collector that is stuck).
 */
export class OtlpReceiver {
  readonly requests: OtlpRequest[] = [];
  readonly #server: Server;
  #behaviour: Behaviour;

  private constructor(server: Server, behaviour: Behaviour) {
    this.#server = server;
    this.#behaviour = behaviour;
  }

  static async start(behaviour: Behaviour = 'answer'): Promise<OtlpReceiver> {
    const holder: { receiver?: OtlpReceiver } = {};
    const server = createServer((req, res) => void holder.receiver!.#handle(req, res));
    const receiver = (holder.receiver = new OtlpReceiver(server, behaviour));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
    if (this.#behaviour === 'hang') return;
    const json = (req.headers['content-type'] ?? '').includes('json');
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
    res.end(json ? '{}' : undefined);
  }

  /** Requests to a path (`/v1/traces`, `/v1/metrics`). */
  to(path: string): OtlpRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Every span of the JSON-encoded trace requests. */
  spans(): ReceivedSpan[] {
    const out: ReceivedSpan[] = [];
    for (const r of this.to('/v1/traces')) {
      const body = JSON.parse(r.body.toString('utf8')) as {
        resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { scope: { name: string }; spans: { name: string; kind: number; attributes: KeyValue[]; traceId: string; spanId: string; parentSpanId?: string; events?: { name: string; attributes?: KeyValue[] }[] }[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const serviceName = attr(rs.resource.attributes)['service.name'] as string | undefined;
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            out.push({
              serviceName,
              scope: ss.scope.name,
              name: s.name,
              kind: s.kind,
              attributes: attr(s.attributes),
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attr(e.attributes) })),
            });
          }
        }
      }
    }
    return out;
  }

  /** Every metric of the JSON-encoded metric requests. */
  metrics(): ReceivedMetric[] {
    const out: ReceivedMetric[] = [];
    for (const r of this.to('/v1/metrics')) {
      const body = JSON.parse(r.body.toString('utf8')) as {
        resourceMetrics: { resource: { attributes: KeyValue[] }; scopeMetrics: { scope: { name: string }; metrics: { name: string; unit?: string }[] }[] }[];
      };
      for (const rm of body.resourceMetrics) {
        const serviceName = attr(rm.resource.attributes)['service.name'] as string | undefined;
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) out.push({ serviceName, scope: sm.scope.name, name: m.name, unit: m.unit ?? '' });
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

function attr(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

/** A URL on 127.0.0.1 where nothing listens (a collector that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}
