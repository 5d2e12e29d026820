import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from '@anthropic-ai/sdk';
import type { AttemptContext } from '@stormwatch/core';

/** What the SDK middleware learns about the attempt running in this async context. */
export interface AttemptScopeState {
  readonly ctx: AttemptContext;
  /** True once a request left for the server (so a failure means the prompt was sent again). */
  sent: boolean;
  /** The HTTP response, once its headers arrived (for `withResponse()`). */
  response?: Response;
}

export const attemptStorage = new AsyncLocalStorage<AttemptScopeState>();

const intHeader = (headers: Headers, name: string): number | undefined => {
  const raw = headers.get(name);
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
};

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

/**
 * SDK middleware (it runs once per HTTP request) that fills the attempt's details from the
 * request URL and the response headers, whatever the outcome.
 */
export const captureMiddleware: Middleware = async (request, next) => {
  const scope = attemptStorage.getStore();
  if (!scope) return next(request);
  const d = scope.ctx.details;
  const server = serverOf(request.url);
  d.serverAddress = server.address;
  d.serverPort = server.port;
  scope.sent = true;
  const response = await next(request);
  scope.response = response;
  d.httpStatus = response.status;
  const requestId = response.headers.get('request-id');
  if (requestId) d.requestId = requestId;
  const remaining = {
    requests: intHeader(response.headers, 'anthropic-ratelimit-requests-remaining'),
    inputTokens: intHeader(response.headers, 'anthropic-ratelimit-input-tokens-remaining'),
    outputTokens: intHeader(response.headers, 'anthropic-ratelimit-output-tokens-remaining'),
  };
  if (remaining.requests !== undefined || remaining.inputTokens !== undefined || remaining.outputTokens !== undefined) {
    d.rateLimitRemaining = Object.fromEntries(Object.entries(remaining).filter(([, v]) => v !== undefined));
  }
  return response;
};
