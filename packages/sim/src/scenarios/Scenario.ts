/**
 * A storm scenario: the simulated service (models, capacity, the windows where it
 * degrades) and the fleet of clients that calls it. All times are in seconds of
 * virtual time from the start of the run.
 */

/** A span of virtual time, `[startS, endS)`. */
export interface TimeWindow {
  readonly startS: number;
  readonly endS: number;
}

/** One model the service hosts. */
export interface ModelSpec {
  /** Model id as requested (`claude-opus-4-1`...). */
  readonly id: string;
  /** Requests admitted per one-second window (fixed windows aligned to whole seconds). */
  readonly requestsPerSecond: number;
  /** Requests being served at the same time. */
  readonly maxConcurrent: number;
  /** Time from admission to the first token (and to the headers of a stream), in ms. */
  readonly timeToFirstTokenMs: number;
  /** Output speed in tokens per second; service time = TTFT + output tokens / speed. */
  readonly outputTokensPerSecond: number;
}

/** Capacity of a model drops to `factor` of normal (both limits) during the window. */
export interface OverloadWindow extends TimeWindow {
  /** Model ids affected; all when absent. */
  readonly models?: readonly string[];
  /** Share of normal capacity left, in (0, 1]. */
  readonly factor: number;
  /**
   * Probability that a stream served during the window breaks with an `overloaded_error`
   * event at a uniformly random point of its generation (the overloaded service drops
   * work it had started). Defaults to 0.
   */
  readonly streamBreakProbability?: number;
}

/**
 * An organization rate limit is in force during the window: at most `requestsPerSecond`
 * requests are let through (a token bucket holding one second of tokens); the rest get
 * HTTP 429 `rate_limit_error` with a `retry-after` in whole seconds.
 */
export interface RateLimitWave extends TimeWindow {
  readonly requestsPerSecond: number;
}

/** Connections are reset (`ECONNRESET`) with the given probability during the window. */
export interface ResetWave extends TimeWindow {
  readonly probability: number;
}

/** An inclusive range of whole numbers sampled uniformly. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** The clients. */
export interface FleetSpec {
  /**
   * `open`: each client receives calls as a Poisson process (`callsPerSecond` per client)
   * whether or not its earlier calls have finished, as a service handling user traffic
   * does. `closed`: each client is a worker that makes a call, waits for its end, thinks
   * (exponential, mean `thinkTimeS`) and calls again, as a batch job does.
   */
  readonly kind: 'open' | 'closed';
  readonly clients: number;
  /** Open loop: calls per second per client. */
  readonly callsPerSecond?: number;
  /** Closed loop: mean think time between calls, in s. */
  readonly thinkTimeS?: number;
  /** The model every call asks for first. */
  readonly model: string;
  /** Models a policy that supports fallback may move to, in order. */
  readonly fallbackModels: readonly string[];
  readonly inputTokens: IntRange;
  readonly outputTokens: IntRange;
  /** Share of calls that stream (mid-stream `overloaded_error` can only hit those). */
  readonly streamShare: number;
  /** A call counts as successful when it succeeds within this many seconds. */
  readonly deadlineS: number;
}

export interface Scenario {
  /** CLI name (`storm-50`). */
  readonly name: string;
  readonly title: string;
  /** What happens and what it shows, one paragraph. */
  readonly description: string;
  /** Virtual seconds simulated; calls stop arriving at `arrivalsEndS` and the run ends when all calls ended. */
  readonly durationS: number;
  /** New calls arrive in `[0, arrivalsEndS)`; defaults to `durationS`. */
  readonly arrivalsEndS?: number;
  readonly models: readonly ModelSpec[];
  readonly overloads: readonly OverloadWindow[];
  readonly rateLimitWaves: readonly RateLimitWave[];
  readonly resetWaves: readonly ResetWave[];
  /** Round-trip network time per attempt, in ms (half before the service sees it, half after). */
  readonly networkRttMs: number;
  /** The storm: amplification "during the storm" counts calls started in it; drain is measured from its end. */
  readonly storm: TimeWindow;
  readonly fleet: FleetSpec;
  /**
   * Ids of policies that run in this scenario by default besides the common rows (e.g.
   * `stormwatch-defer`, whose deferral only acts on deadlines of more than 5 minutes).
   */
  readonly extraPolicies?: readonly string[];
  /**
   * The service's Message Batches endpoints (`/v1/messages/batches`, always served): a batch
   * is processed outside the interactive capacity and ends `processingS` seconds after its
   * creation, whatever the overload. Defaults to `{ processingS: 3600 }` (most batches end
   * within the hour; the API allows 24 h).
   */
  readonly batch?: BatchSpec;
}

/** How the simulated service processes Message Batches (see {@link Scenario.batch}). */
export interface BatchSpec {
  /** Seconds from a batch's creation to its end (every request answered), in (0, 24 h). */
  readonly processingS: number;
}
