/** Token counts of one response, as the provider reports them. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

/**
 * What one attempt learned about the request and response. The policy creates an empty
 * bag per attempt; the adapter fills it while the attempt runs; events carry it.
 */
export interface AttemptDetails {
  stream?: boolean;
  /** Model the response names (may differ from the requested one). */
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  usage?: Usage;
  /** The provider's request id (`request-id` header). */
  requestId?: string;
  serverAddress?: string;
  serverPort?: number;
  httpStatus?: number;
  /** `anthropic-ratelimit-*-remaining` header values, when present. */
  rateLimitRemaining?: { requests?: number; inputTokens?: number; outputTokens?: number };
  /**
   * Milliseconds from the response until each limit resets (`anthropic-ratelimit-*-reset`),
   * when present. A limit at 0 remaining pauses the model's admission until its reset.
   */
  rateLimitResetMs?: { requests?: number; inputTokens?: number; outputTokens?: number };
  /** Tokens billed for a result that was thrown away (a stream broken after `message_start`). */
  billedWaste?: { inputTokens: number; outputTokens: number };
  /** Input tokens this attempt sent (when known before or after the fact); used for resent waste. */
  inputTokens?: number;
}

/** Per-call totals the adapter keeps up to date (wasted tokens and cost). */
export interface CallDetails {
  wastedInputTokens: { resent: number; billed: number };
  wastedOutputTokens: { billed: number };
  /** Useful cost in USD; `undefined` while unknown (a model without a known price). */
  costUsd?: number;
  /** Wasted cost in USD; `undefined` while unknown. */
  wastedCostUsd?: number;
}

/** A fresh, all-zero {@link CallDetails}. */
export function emptyCallDetails(): CallDetails {
  return { wastedInputTokens: { resent: 0, billed: 0 }, wastedOutputTokens: { billed: 0 } };
}
