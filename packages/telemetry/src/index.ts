export { instrumentPolicy, CAPTURE_CONTENT_ENV } from './instrumentPolicy.js';
export { instrumentAllPolicies } from './instrumentAllPolicies.js';
export { attemptContext } from './attemptContext.js';
export { recordMessageContent, type MessageContent } from './recordMessageContent.js';
export type { TelemetryOptions } from './TelemetryOptions.js';
export { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
