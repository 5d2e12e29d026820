import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from '@anthropic-ai/sdk';
import type { AttemptContext } from '@stormwatch/core';
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
  const limits = readRateLimitHeaders(response.headers);
  if (limits.remaining) d.rateLimitRemaining = limits.remaining;
  if (limits.resetMs) d.rateLimitResetMs = limits.resetMs;
  return response;
};
