import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from '@anthropic-ai/sdk';
import { propagation } from '@opentelemetry/api';
import type { AttemptContext } from '@stormwatch/core';
import { attemptContext } from '@stormwatch/telemetry';
import { readRateLimitHeaders } from './rateLimitHeaders.js';

/** What the SDK middleware learns about the attempt running in this async context. */
export interface AttemptScopeState {
  readonly ctx: AttemptContext;
  /** True once a request left for the server (so a failure means the prompt was sent again). */
  sent: boolean;
  /** The HTTP response, once its headers arrived (for `withResponse()`). */
  response?: Response;
}

export const attemptStorage = new AsyncLocalStorage<AttemptScopeState>();

let lastUrl = '';
let lastServer = { address: '', port: 0 };

/** Host and port of a request URL; every request of a client has the same, so the last is kept. */
export function serverOf(href: string): { address: string; port: number } {
  if (href !== lastUrl) {
    const url = new URL(href);
    // An IPv6 literal keeps its brackets in a URL, not in server.address.
    lastServer = { address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
    lastUrl = href;
  }
  return lastServer;
}

type RequestHeaders = Parameters<Middleware>[0]['headers'];

/**
 * The request's headers with the trace context of the attempt injected (W3C `traceparent`
 * and `tracestate` with the default propagator; whatever the registered propagator writes
 * otherwise), so a server-side trace joins the call's with the attempt span as its parent.
 * Injected afresh for every attempt, replacing any such header already there. The headers
 * as they were when no propagator is registered (the API's no-op one lists no fields), or
 * with `ANTHROPIC_OPEN_TELEMETRY_PROPAGATION=false` (the SDK's own switch for the same).
 */
export function withTraceContext(ctx: AttemptContext, headers: RequestHeaders): RequestHeaders {
  if (propagation.fields().length === 0) return headers;
  if (process.env.ANTHROPIC_OPEN_TELEMETRY_PROPAGATION?.trim().toLowerCase() === 'false') return headers;
  const carrier: Record<string, string> = {};
  propagation.inject(attemptContext(ctx), carrier);
  const names = Object.keys(carrier);
  if (names.length === 0) return headers;
  const out = new Headers(headers as ConstructorParameters<typeof Headers>[0]);
  for (const name of names) out.set(name, carrier[name]!);
  return out;
}

/**
 * SDK middleware (it runs once per HTTP request) that fills the attempt's details from the
 * request URL and the response headers, whatever the outcome, and sends the attempt's trace
 * context with the request ({@link withTraceContext}).
 */
export const captureMiddleware: Middleware = async (request, next) => {
  const scope = attemptStorage.getStore();
  if (!scope) return next(request);
  const d = scope.ctx.details;
  const server = serverOf(request.url);
  d.serverAddress = server.address;
  d.serverPort = server.port;
  scope.sent = true;
  const headers = withTraceContext(scope.ctx, request.headers);
  const response = await next(headers === request.headers ? request : { ...request, headers });
  scope.response = response;
  d.httpStatus = response.status;
  const requestId = response.headers.get('request-id');
  if (requestId) d.requestId = requestId;
  const limits = readRateLimitHeaders(response.headers);
  if (limits.remaining) d.rateLimitRemaining = limits.remaining;
  if (limits.resetMs) d.rateLimitResetMs = limits.resetMs;
  return response;
};
