/**
 * The SDK's own `APIPromise` around a call the policy runs, so a wrapped `create()` is what
 * the SDK's is: `await`, `.withResponse()` and `.asResponse()` all work, and the value is
 * assignable wherever an `APIPromise` is expected.
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import { APIPromise } from '@anthropic-ai/sdk/core/api-promise';

/** A body `new Response()` takes. */
type Body = ConstructorParameters<typeof Response>[0];

/** Where an attempt's SDK call leaves the HTTP response it got. */
export interface ResponseHolder {
  response?: Response;
}

/**
 * The body `asResponse()` gives for a delivered value: the SDK consumed the attempt's own
 * body, so it is rebuilt from what was delivered (the message as JSON; a stream re-encoded as
 * server-sent events, read from the same stream the value is).
 */
export type BodyOf<T> = (data: T) => Body;

/** The message as the JSON body it came in (its `_request_id` is not enumerable, so not in it). */
export const jsonBody = (data: unknown): Body => JSON.stringify(data);

/** The events of a stream as server-sent events, read only when the body is (high-water mark 0). */
export function sseBody(data: AsyncIterable<{ type: string }>): Body {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<{ type: string }> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= data[Symbol.asyncIterator]();
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`event: ${next.value.type}\ndata: ${JSON.stringify(next.value)}\n\n`));
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** What the SDK's `APIPromise` reads of a response (its `APIResponseProps`), with the value already parsed. */
export interface ResponseProps<T> {
  readonly response: Response;
  readonly options: { readonly method: 'post'; readonly path: string };
  readonly controller: AbortController;
  readonly requestLogID: undefined;
  readonly retryOfRequestLogID: undefined;
  readonly startTime: number;
  readonly data: T;
}

/**
 * The props of a delivered value: `response` is the attempt's response rebuilt with a body,
 * made only when asked for (by `asResponse()` / `withResponse()`).
 */
export function responseProps<T>(data: T, original: Response | undefined, bodyOf: BodyOf<T>, path: string, startTime: number): ResponseProps<T> {
  let response: Response | undefined;
  let controller: AbortController | undefined;
  return {
    get response(): Response {
      // Set by the attempt that succeeded; absent only if the SDK never reached its middleware (a custom fetch that bypasses it).
      if (!original) throw new TypeError('resilient: no HTTP response was recorded for this call (asResponse/withResponse)');
      response ??= new Response(bodyOf(data), { status: original.status, statusText: original.statusText, headers: original.headers });
      return response;
    },
    options: { method: 'post', path },
    // Read by the SDK's default parse only, which this promise replaces: made if something asks.
    get controller(): AbortController {
      controller ??= new AbortController();
      return controller;
    },
    requestLogID: undefined,
    retryOfRequestLogID: undefined,
    startTime,
    data,
  };
}

/**
 * An `APIPromise` of the call whose props `props` gives. Like the SDK's, the call is already
 * running; a rejection reaches `await`, `.then` and `.catch` as the SDK's would.
 */
export function toApiPromise<T>(client: Anthropic, props: Promise<ResponseProps<T>>): APIPromise<T> {
  // The SDK parses lazily from these props; here the value is already parsed (and carries its `_request_id`).
  return new APIPromise<T>(client, props as unknown as ConstructorParameters<typeof APIPromise<T>>[1], (_client, p) => (p as unknown as ResponseProps<T>).data as never);
}
