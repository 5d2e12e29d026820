export { FakeAnthropic, type FakeAnthropicOptions, type RecordedRequest } from './FakeAnthropic.js';
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
  streamGarbage,
  type Behaviour,
} from './behaviours.js';
export { countInputTokens, DEFAULT_TEXT, errorJson, messageJson, sse, streamEvents, textDeltas, type MessageRequestBody } from './wire.js';
