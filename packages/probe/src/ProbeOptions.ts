import type { Anthropic } from '@anthropic-ai/sdk';
import type { MeterProvider } from '@opentelemetry/api';
import type { Clock, Random } from '@stormwatch/core';
import type { StatusWatchOptions } from './status/StatusWatch.js';

/** The model probed when none is configured: the cheapest current one. */
export const DEFAULT_PROBE_MODELS: readonly string[] = Object.freeze(['claude-haiku-4-5']);
/** Mean time between two probes of a model: 20 s (three a minute). */
export const DEFAULT_PROBE_INTERVAL_MS = 20_000;
/** Spread of each interval: ±20 %. */
export const DEFAULT_PROBE_JITTER = 0.2;
/** Time one probe may take, retries included: 30 s. */
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

export interface ProbeOptions {
  /** Models to probe, each in its own loop. Defaults to {@link DEFAULT_PROBE_MODELS}. */
  models?: readonly string[];
  /** Mean time between the starts of two probes of a model, in milliseconds. Defaults to 20 s; at least 1 s. */
  intervalMs?: number;
  /** Spread of each interval, a fraction in [0, 1): 0.2 means 80 %–120 % of it. Defaults to 0.2. */
  jitter?: number;
  /** Deadline of one probe, retries and waits included, in milliseconds. Defaults to 30 s. */
  timeoutMs?: number;
  /**
   * The Anthropic client to probe through (wrapped in the probe policy). Defaults to
   * `new Anthropic({ apiKey, baseURL })`.
   */
  client?: Anthropic;
  /** API key for the default client. Defaults to `ANTHROPIC_API_KEY`; none at all is a {@link ProbeKeyError}. */
  apiKey?: string;
  /** Base URL for the default client. Defaults to the SDK's (`ANTHROPIC_BASE_URL`, else the API). */
  baseURL?: string;
  /** The status-page watch, or `false` for none. Defaults to Anthropic's status page, every minute. */
  statusPage?: StatusWatchOptions | false;
  /** Where the probe's metrics go. Defaults to the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** The clock of the pace, the policy and the figures. Defaults to the system clock. */
  clock?: Clock;
  /** Random source of the jitter (and the policy's backoff). Defaults to `Math.random`. */
  random?: Random;
}
