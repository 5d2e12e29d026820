export { FakeAnthropic, startFakeAnthropic } from './FakeAnthropic.js';
export { FakeAnthropicFetch, fakeAnthropicFetch } from './FakeAnthropicFetch.js';
export { ScriptedAnthropic, type FakeAnthropicOptions, type RecordedRequest } from './ScriptedAnthropic.js';
export type { Connection } from './Connection.js';
export {
  BATCH_LIMITS,
  batchCanceled,
  batchErrored,
  batchExpired,
  batchMalformed,
  batchSucceeded,
  FakeBatches,
  type BatchOutcome,
  type BatchRequest,
  type FakeBatch,
  type FakeBatchOptions,
} from './batches.js';
export type { Sleep } from './respond.js';
export {
  apiError,
  hang,
  htmlPage,
  ok,
  overloaded,
  rateLimited,
  reset,
  spendLimitReached,
  streamCut,
  streamError,
  streamErrorAtStart,
  streamGarbage,
  withHeaders,
  type Behaviour,
} from './behaviours.js';
export {
  countInputTokens,
  DEFAULT_TEXT,
  errorEvent,
  errorJson,
  errorResponse,
  jsonHeaders,
  jsonResponse,
  messageJson,
  rateLimitHeaders,
  sse,
  streamEvents,
  streamHead,
  streamHeaders,
  streamTail,
  textDeltaEvent,
  textDeltas,
  type CacheUsage,
  type ErrorDetails,
  type MessageRequestBody,
  type RateLimitRemaining,
} from './wire.js';
export { abortError, connectionResetError, terminatedError } from './fetchErrors.js';
