export { start, isStarted, type Telemetry } from './start.js';
export { shutdown } from './shutdown.js';
export type { OtlpProtocol, StartOptions } from './StartOptions.js';
