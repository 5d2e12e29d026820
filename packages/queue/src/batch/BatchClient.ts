/**
 * What the batch target needs of an Anthropic client: `messages.batches.create` and
 * `.retrieve`, and `get(url).asResponse()` to read a results file line by line (the SDK's own
 * `results()` decoder gives up at the first malformed line, losing the lines after it). A
 * plain `new Anthropic()` fits; give it `maxRetries: 0` or not — the poll retries anyway.
 * Structural, so this package needs no runtime dependency on the SDK.
 */
export interface BatchClient {
  readonly messages: {
    readonly batches: {
      create(params: { requests: Array<{ custom_id: string; params: never }> }): PromiseLike<MessageBatchLike>;
      retrieve(id: string): PromiseLike<MessageBatchLike>;
    };
  };
  get(path: string, options?: { headers?: Record<string, string> }): { asResponse(): Promise<Response> };
}

/** The fields of the SDK's `MessageBatch` the batch target reads. */
export interface MessageBatchLike {
  readonly id: string;
  readonly processing_status: 'in_progress' | 'canceling' | 'ended';
  readonly results_url: string | null;
  readonly request_counts?: { readonly processing: number; readonly succeeded: number; readonly errored: number; readonly canceled: number; readonly expired: number };
}

/** The fields of a succeeded result's message the batch target reads (the SDK's `Message`). */
export interface BatchMessage {
  readonly id: string;
  readonly model: string;
  readonly usage: {
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly cache_read_input_tokens?: number | null;
    readonly cache_creation_input_tokens?: number | null;
  };
  readonly [key: string]: unknown;
}

/** One line of a results file (the SDK's `MessageBatchIndividualResponse`), checked. */
export interface BatchResultLine {
  readonly custom_id: string;
  readonly result:
    | { readonly type: 'succeeded'; readonly message: BatchMessage }
    | { readonly type: 'errored'; readonly error: { readonly type: 'error'; readonly error: { readonly type: string; readonly message: string } } }
    | { readonly type: 'canceled' }
    | { readonly type: 'expired' };
}
