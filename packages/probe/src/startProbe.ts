import Anthropic from '@anthropic-ai/sdk';
import { resilient, type ResilientClient } from '@stormwatch/anthropic';
import { PROBE_POLICY } from '@stormwatch/conventions';
import { InMemoryOverloadStore, systemClock } from '@stormwatch/core';
import { ProbeKeyError } from './errors/ProbeKeyError.js';
import { meterOf } from './internal/meter.js';
import { runModelProbe } from './probe/ModelProbe.js';
import { ProbeMetrics } from './probe/ProbeMetrics.js';
import { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER, DEFAULT_PROBE_MODELS, DEFAULT_PROBE_TIMEOUT_MS, type ProbeOptions } from './ProbeOptions.js';
import { StatusMetrics } from './status/StatusMetrics.js';
import { StatusWatch } from './status/StatusWatch.js';

/** A running probe. */
export interface Probe {
  /** The client the probe sends through: its policy is `probe`. */
  readonly client: ResilientClient;
  /** The status-page watch, unless turned off. */
  readonly statusWatch: StatusWatch | undefined;
  /**
   * Settles when the probe has stopped: resolves after {@link stop}, rejects with a
   * {@link ProbeKeyError} when the API rejected the key (everything is stopped by then).
   */
  readonly done: Promise<void>;
  /** Stops every loop (a request in flight is aborted, not counted) and the metrics; resolves when all ended. */
  stop(): Promise<void>;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['models', 'intervalMs', 'jitter', 'timeoutMs', 'client', 'apiKey', 'baseURL', 'statusPage', 'meterProvider', 'clock', 'random']);

function validate(options: ProbeOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`startProbe: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`startProbe: unknown option ${JSON.stringify(key)}; known: ${[...KNOWN_OPTIONS].join(', ')}`);
  const { models, intervalMs, jitter, timeoutMs } = options;
  if (models !== undefined && !(Array.isArray(models) && models.length > 0 && models.every((m) => typeof m === 'string' && m.trim().length > 0) && new Set(models).size === models.length)) {
    throw new TypeError(`startProbe: models must be a non-empty array of distinct model ids, got ${JSON.stringify(models)}`);
  }
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 1_000)) throw new RangeError(`startProbe: intervalMs must be a finite number of milliseconds >= 1000, got ${String(intervalMs)}`);
  if (jitter !== undefined && !(Number.isFinite(jitter) && jitter >= 0 && jitter < 1)) throw new RangeError(`startProbe: jitter must be a fraction in [0, 1), got ${String(jitter)}`);
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 1)) throw new RangeError(`startProbe: timeoutMs must be a finite number of milliseconds >= 1, got ${String(timeoutMs)}`);
}

/**
 * Starts the synthetic probe: for each model, one request of one output token
 * (`max_tokens: 1`, the prompt `ping`) at a steady, jittered pace — every `intervalMs`
 * ± `jitter`, never more than one in flight per model — through a `resilient()` client whose
 * policy is `probe` (so every attempt is in the contract's telemetry under
 * `stormwatch.policy="probe"`), plus its own figures (`stormwatch.probe.*`); and, unless
 * `statusPage: false`, the status-page watch (`stormwatch.status.*`) in the same process.
 *
 * The probe's policy keeps its own overload state (never the fleet's shared store, which
 * it would otherwise pace and be paced by) and has no circuit breaker: a probe must reach
 * the API every time to say whether it answers. A key that is missing throws a
 * {@link ProbeKeyError} at once; a key the API rejects (401/403) stops everything and
 * rejects {@link Probe.done} with one.
 *
 * @example
 * const probe = startProbe({ models: ['claude-haiku-4-5', 'claude-sonnet-4-6'] });
 * process.once('SIGTERM', () => void probe.stop());
 * await probe.done;
 */
export function startProbe(options: ProbeOptions = {}): Probe {
  validate(options);
  const models = [...(options.models ?? DEFAULT_PROBE_MODELS)];
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const intervalMs = options.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  const jitter = options.jitter ?? DEFAULT_PROBE_JITTER;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  let sdk = options.client;
  if (!sdk) {
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey?.trim()) throw new ProbeKeyError('missing');
    sdk = new Anthropic({ apiKey, ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }) });
  }
  const statusWatch = options.statusPage === false ? undefined : new StatusWatch(options.statusPage ?? {});
  const client = resilient(sdk, {
    policy: PROBE_POLICY,
    store: new InMemoryOverloadStore({}, clock),
    policyOptions: { clock, random, breaker: false },
  });

  const meter = meterOf(options.meterProvider);
  const probeMetrics = new ProbeMetrics(meter, clock, models);
  const statusMetrics = statusWatch ? new StatusMetrics(meter, statusWatch) : undefined;
  const stopping = new AbortController();
  let keyError: ProbeKeyError | undefined;
  const onKeyRejected = (status: 401 | 403, cause: unknown) => {
    keyError ??= new ProbeKeyError('rejected', status, { cause });
    stopping.abort(keyError);
  };
  const loops = models.map((model) =>
    runModelProbe({ client, model, clock, random, intervalMs, jitter, timeoutMs, metrics: probeMetrics, onKeyRejected }, stopping.signal),
  );
  if (statusWatch && statusMetrics) loops.push(statusWatch.run(clock, stopping.signal, (outcome) => statusMetrics.polled(outcome)));
  const done = Promise.all(loops).then(() => {
    probeMetrics.close();
    statusMetrics?.close();
    if (keyError) throw keyError;
  });
  // `done` is the caller's to await; an unobserved rejection must not crash the process first.
  done.catch(() => undefined);
  return {
    client,
    statusWatch,
    done,
    stop: async () => {
      stopping.abort();
      await done.catch(() => undefined);
    },
  };
}
