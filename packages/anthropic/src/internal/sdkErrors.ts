/**
 * Reads an unknown error as one of the SDK's, by what it carries rather than by its class.
 *
 * `instanceof` against the SDK's classes fails across module systems: this package imports
 * the SDK's ES module build, while a CommonJS service (`require('@anthropic-ai/sdk')`, or
 * TypeScript compiled to CommonJS) hands it clients that throw the CommonJS build's classes,
 * and two installed copies of the SDK differ the same way. So an error is identified by its
 * brand — the `name` the SDK gives each class (`Object.defineProperty(this, 'name', …)` from
 * the class's `_errorName`, in both builds and through minifiers), else the class names on its
 * prototype chain — and an HTTP error by its `status`, its body's `error.type` and its headers.
 */
import type { HeaderSource } from '@stormwatch/core';

/** What classification needs from an HTTP error (the SDK's `APIError`, or a lookalike). */
export interface HttpErrorShape {
  /** HTTP status; undefined for an SSE `error` event after HTTP 200. */
  readonly status: number | undefined;
  /** The body's `error.type` (`overloaded_error`, `rate_limit_error`, …), if any. */
  readonly type: string | undefined;
  /** The body's `error.details.error_code`, if any. */
  readonly errorCode: string | undefined;
  /** The body's `error.message`, if any. */
  readonly apiMessage: string | undefined;
  readonly headers: HeaderSource | undefined;
}

type Bag = Record<string, unknown>;

const isObject = (value: unknown): value is Bag => (typeof value === 'object' || typeof value === 'function') && value !== null;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * True when `error` is (a subclass of) a class named `className` — one of the SDK's, from any
 * copy or build of it, or a built-in from any realm: its `name`, or a class of that name (or
 * the SDK's `_errorName`) on its prototype chain.
 */
export function hasBrand(error: unknown, className: string): boolean {
  if (!isObject(error)) return false;
  if (error.name === className) return true;
  let proto: unknown = Object.getPrototypeOf(error);
  for (let depth = 0; isObject(proto) && depth < 10; depth++, proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as Bag).constructor;
    if (isObject(ctor) && (ctor._errorName === className || ctor.name === className)) return true;
  }
  return false;
}

/** `read()`, or undefined when it throws (a getter or a Proxy that does): headers are a hint, never a failure. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** `headers` as something with `get(name)`: a `Headers`, or a plain record with keys in any case. */
function headerSource(headers: unknown): HeaderSource | undefined {
  if (!isObject(headers)) return undefined;
  const get = attempt(() => headers.get);
  if (typeof get === 'function') return { get: (name) => str(attempt(() => get.call(headers, name) as unknown)) ?? null };
  return {
    get: (name) =>
      attempt(() => {
        const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
        const value = key === undefined ? undefined : headers[key];
        return str(Array.isArray(value) ? (value as unknown[])[0] : value);
      }) ?? null,
  };
}

/**
 * `error` as an HTTP error, or undefined when it is none: it has a numeric HTTP `status`, is
 * branded the SDK's `APIError` (the SSE `error` event carries no status), or carries an
 * Anthropic error body (`{ type: 'error', error: { type } }`). The SDK's connection and abort
 * errors are `APIError`s too; tell them apart first ({@link hasBrand}).
 */
export function readHttpError(error: unknown): HttpErrorShape | undefined {
  if (!isObject(error)) return undefined;
  const status = typeof error.status === 'number' && Number.isInteger(error.status) && error.status >= 100 && error.status <= 599 ? error.status : undefined;
  const body = isObject(error.error) ? error.error : undefined;
  const inner = body && isObject(body.error) ? body.error : undefined;
  const type = str(error.type) ?? str(inner?.type);
  if (status === undefined && !hasBrand(error, 'APIError') && !(body?.type === 'error' && type)) return undefined;
  const details = inner && isObject(inner.details) ? inner.details : undefined;
  return {
    status,
    type,
    errorCode: str(error.errorCode) ?? str(details?.error_code),
    apiMessage: str(error.apiMessage) ?? str(inner?.message),
    headers: headerSource(error.headers),
  };
}
