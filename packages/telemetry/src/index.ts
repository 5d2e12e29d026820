export { instrumentPolicy } from './instrumentPolicy.js';
export { instrumentAllPolicies } from './instrumentAllPolicies.js';
export { instrumentPolicyByDefault } from './instrumentPolicyByDefault.js';
export { StormwatchInstrumentation, type StormwatchInstrumentationConfig } from './StormwatchInstrumentation.js';
export { attemptContext } from './attemptContext.js';
export { recordMessageContent } from './recordMessageContent.js';
export type { MessageContent } from '@stormwatch/conventions';
export { CAPTURE_CONTENT_ENV, type TelemetryOptions } from './TelemetryOptions.js';
export { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
