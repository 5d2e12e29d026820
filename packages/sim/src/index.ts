export { SimulatedService, SIMULATED_BASE_URL, type AttemptRecord, type AttemptResult, type AdmissionSample } from './SimulatedService.js';
export { VirtualRuntime, VIRTUAL_EPOCH_MS, type DrivableClock, type RunOptions } from './VirtualRuntime.js';
export { startFleet, type CallRecord, type FleetOptions } from './fleet.js';
export { runPolicy, type PolicyRun, type RunPolicyOptions } from './runPolicy.js';
export { formatSimTag, parseSimTag, type SimTag } from './simTag.js';
export type {
  FleetSpec,
  IntRange,
  ModelSpec,
  OverloadWindow,
  RateLimitWave,
  ResetWave,
  Scenario,
  TimeWindow,
} from './scenarios/Scenario.js';
export { SCENARIOS, scenarioByName, storm50, flapping, rateLimitWave, resetWave, opusOverloaded } from './scenarios/index.js';
export type { Caller, ClientEnv, PolicyUnderTest, SimCall, SimCallResult } from './policies/PolicyUnderTest.js';
export {
  POLICIES,
  ORACLE_ID,
  cockatielDefault,
  exponentialNoJitter,
  fixedRetry,
  fullJitterBreaker,
  sdkDefault,
  stormwatchDefault,
} from './policies/index.js';
export { OracleScheduler, OracleDeadlineError } from './policies/oracle.js';
