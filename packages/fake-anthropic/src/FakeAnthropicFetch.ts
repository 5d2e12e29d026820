import type { Connection } from './Connection.js';
import { abortError, connectionResetError, terminatedError } from './fetchErrors.js';
import { ScriptedAnthropic, type FakeAnthropicOptions } from './ScriptedAnthropic.js';

const encoder = new TextEncoder();

/**
 * The fake without sockets: a `fetch`-compatible function to give the SDK
 * (`new Anthropic({ fetch: fake.fetch, baseURL: fake.url })`), with the same script, record and
 * behaviours as {@link FakeAnthropic}. A reset rejects like undici's `fetch failed`, a cut
 * stream errors its body like undici's `terminated`, and an abort rejects with the signal's
 * reason.
 */
export class FakeAnthropicFetch extends ScriptedAnthropic {
  constructor(options: FakeAnthropicOptions = {}) {
    super(options);
  }

  /** A base URL that only this fetch answers (`.invalid` never resolves). */
  get url(): string {
    return 'http://fake-anthropic.invalid';
  }

  /** Answers one request in-process. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const signal = init?.signal ?? request.signal;
    if (signal?.aborted) throw abortError(signal);
    const raw = await request.text();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => void (headers[name] = value));

    return new Promise<Response>((resolve, reject) => {
      let body: ReadableStreamDefaultController<Uint8Array> | undefined;
      let closed = false;
      let answered = false;
      const stream = new ReadableStream<Uint8Array>({
        start: (controller) => void (body = controller),
        cancel: () => void (closed = true),
      });
      const onAbort = () => {
        if (closed) return;
        closed = true;
        const reason = abortError(signal);
        if (answered) body!.error(reason);
        else reject(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = () => {
        closed = true;
        signal?.removeEventListener('abort', onAbort);
      };
      const connection: Connection = {
        head: (status, responseHeaders) => {
          if (closed) return;
          answered = true;
          resolve(new Response(stream, { status, headers: responseHeaders }));
        },
        write: (chunk) => {
          if (!closed) body!.enqueue(encoder.encode(chunk));
        },
        end: (chunk) => {
          if (closed) return;
          if (chunk) body!.enqueue(encoder.encode(chunk));
          body!.close();
          finish();
        },
        destroy: () => {
          if (closed) return;
          if (answered) body!.error(terminatedError());
          else reject(connectionResetError());
          finish();
        },
        get closed() {
          return closed;
        },
      };
      this.handle(request.method, url.pathname + url.search, headers, raw, connection).catch((error: unknown) => {
        // A fault in the fake itself: surface it rather than disguise it as a network error.
        if (closed) return;
        if (answered) body!.error(error);
        else reject(error);
        finish();
      });
    });
  };
}

/** A {@link FakeAnthropicFetch}: the fake as an in-process `fetch`. */
export function fakeAnthropicFetch(options: FakeAnthropicOptions = {}): FakeAnthropicFetch {
  return new FakeAnthropicFetch(options);
}
