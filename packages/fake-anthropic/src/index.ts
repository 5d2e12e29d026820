export { FakeAnthropic, startFakeAnthropic, type FakeAnthropicOptions, type RecordedRequest } from './FakeAnthropic.js';
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
export { countInputTokens, DEFAULT_TEXT, errorJson, messageJson, sse, streamEvents, textDeltas, type CacheUsage, type MessageRequestBody } from './wire.js';
