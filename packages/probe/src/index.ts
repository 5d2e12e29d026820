export { startProbe, type Probe } from './startProbe.js';
export { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER, DEFAULT_PROBE_MODELS, DEFAULT_PROBE_TIMEOUT_MS, type ProbeOptions } from './ProbeOptions.js';
export { PROBE_PROMPT } from './probe/ModelProbe.js';
export { nextDelay } from './probe/nextDelay.js';
export { ProbeKeyError, isProbeKeyError, type ProbeKeyProblem } from './errors/ProbeKeyError.js';
export { StatusWatch, DEFAULT_STATUS_INTERVAL_MS, DEFAULT_STATUS_PAGE_URL, DEFAULT_STATUS_TIMEOUT_MS, type StatusSnapshot, type StatusWatchOptions } from './status/StatusWatch.js';
export { parseSummary, type StatusComponent, type StatusIncident, type Summary } from './status/Summary.js';
export { componentStatusOf, impactOf } from './status/states.js';
export { worstCaseDailyCost, PROBE_INPUT_TOKENS_BOUND, PROBE_OUTPUT_TOKENS, type DailyCost } from './cost.js';
