export { SimulatedService, SIMULATED_BASE_URL, DEFAULT_BATCH_PROCESSING_S, type AttemptRecord, type AttemptResult, type AdmissionSample, type BatchRecord, type BatchRequestRecord } from './SimulatedService.js';
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
  BatchSpec,
} from './scenarios/Scenario.js';
export { validateScenario } from './scenarios/validateScenario.js';
export { SCENARIOS, scenarioByName, storm50, flapping, rateLimitWave, resetWave, opusOverloaded, longOutage, longOutageBatch } from './scenarios/index.js';
export { BATCH_DEADLINE_S, BATCH_POLICY_ID } from './scenarios/longOutageBatch.js';
export { DEFER_POLICY_ID, DEFER_SHARED_POLICY_ID } from './scenarios/longOutage.js';
export type { Caller, ClientEnv, PolicyRunExtras, PolicyUnderTest, SimCall, SimCallResult } from './policies/PolicyUnderTest.js';
export {
  POLICIES,
  EXTRA_POLICIES,
  ALL_POLICIES,
  policiesFor,
  storeUserIds,
  ORACLE_ID,
  cockatielDefault,
  exponentialNoJitter,
  fixedRetry,
  fullJitterBreaker,
  sdkDefault,
  stormwatch01,
  stormwatchDefault,
  stormwatchBatch,
  stormwatchDefer,
  stormwatchDeferShared,
  stormwatchShared,
} from './policies/index.js';
export { BATCH_POLL, BATCH_SUBMIT_EVERY_MS, BatchDeferralRun, type BatchDeferralLog } from './policies/batchRun.js';
export { DRAIN_CONCURRENCY, DeferredTaskDeadError, type DeferralLog, type HostAdmission } from './policies/deferralRun.js';
export { STORE_RTT_MS, withRoundTrip } from './policies/modelledRoundTrip.js';
export { OracleScheduler, OracleDeadlineError } from './policies/oracle.js';
export { BATCH_PRICE_FACTOR, batchFigures, type BatchFigures, computeFigures, deferralFigures, drainMs, quantile, recoveryFigures, RECOVERY_WINDOW_S, type DeferralFigures, type Figures, type RecoveryFigures } from './figures.js';
export { computeTimeline, type Timeline } from './timeline.js';
export { compare, type CompareOptions, type Comparison, type PolicyResult } from './compare.js';
export { renderHtmlReport } from './report/html.js';
export { BATCH_COLUMNS, COLUMNS, DEFERRAL_COLUMNS, columnsFor, formatMarkdownTable, formatTextTable, type Column } from './report/table.js';
export { BATCH_TARGET_SCENARIO, targetsHeading, checkBatchTargets, checkDeferralTargets, checkSharedStoreTargets, checkTargets, targetsFor, DEFERRAL_TARGET_SCENARIO, TARGET_SCENARIO, type TargetCheck } from './report/targets.js';
export { lineChart, xStepFor, type ChartOptions, type Series } from './report/svgChart.js';
export { runLive, LIVE_SERVICE_NAME, type LiveOptions } from './live/runLive.js';
export { runLiveFleet, type FleetStoreUse, type LiveFleetOptions, type LiveFleetRun } from './live/runLiveFleet.js';
export type { StoreUse } from './live/fleetProtocol.js';
export { LiveFleetError, isLiveFleetError } from './live/LiveFleetError.js';
export { LiveServer } from './live/LiveServer.js';
export { main, parseCli, HELP, type CliIo, type LiveCliOptions } from './cliMain.js';
export { UsageError, isUsageError } from './UsageError.js';
export { costUsd } from './pricing.js';
