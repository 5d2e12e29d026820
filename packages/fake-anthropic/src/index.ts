export { FakeAnthropic, startFakeAnthropic } from './FakeAnthropic.js';
export { FakeAnthropicFetch, fakeAnthropicFetch } from './FakeAnthropicFetch.js';
export { ScriptedAnthropic, type FakeAnthropicOptions, type RecordedRequest } from './ScriptedAnthropic.js';
export type { Connection } from './Connection.js';
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
export { countInputTokens, DEFAULT_TEXT, errorJson, messageJson, sse, streamEvents, textDeltas, type CacheUsage, type MessageRequestBody } from './wire.js';
