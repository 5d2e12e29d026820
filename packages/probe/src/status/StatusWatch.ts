import { ComponentStatus, IncidentImpact, StatusPollOutcome } from '@stormwatch/conventions';
import type { Clock } from '@stormwatch/core';
import { parseSummary, type StatusIncident, type Summary } from './Summary.js';

/** Anthropic's public status page. */
export const DEFAULT_STATUS_PAGE_URL = 'https://status.anthropic.com';
/** How often the page is polled: every minute. */
export const DEFAULT_STATUS_INTERVAL_MS = 60_000;
/** How long one poll may take before the page counts as unreachable: 10 s. */
export const DEFAULT_STATUS_TIMEOUT_MS = 10_000;

export interface StatusWatchOptions {
  /**
   * Base URL of an Atlassian Statuspage; `/api/v2/summary.json` is read under it. Defaults
   * to {@link DEFAULT_STATUS_PAGE_URL}.
   */
  url?: string;
  /** Time between polls, in milliseconds. Defaults to 60 s. */
  intervalMs?: number;
  /** Time one poll may take, in milliseconds (real time). Defaults to 10 s. */
  timeoutMs?: number;
  /** The fetch to poll with. Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** What the watch reports right now: the page's last good state, or every component unknown. */
export interface StatusSnapshot {
  readonly indicator: IncidentImpact;
  readonly components: ReadonlyMap<string, ComponentStatus>;
  readonly incidents: readonly StatusIncident[];
}

/**
 * Polls a Statuspage v2 summary with conditional requests (`If-None-Match` with the last
 * ETag, `If-Modified-Since` with the last `Last-Modified`), so an unchanged page costs a
 * 304. A page that does not answer, answers an HTTP error or answers something that is not
 * a summary is *unknown*: every component it last listed reads `unknown`, never
 * operational, and its incidents are not reported until it answers again.
 */
export class StatusWatch {
  readonly url: string;
  /** The page's host, the `stormwatch.status.page` attribute. */
  readonly page: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly #fetch: typeof fetch;
  /** The last summary the page gave in full, and the validators that name it. */
  #lastGood: Summary | undefined;
  #etag: string | undefined;
  #lastModified: string | undefined;
  /** Whether the last poll confirmed {@link #lastGood} (updated or not modified). */
  #current = false;

  constructor(options: StatusWatchOptions = {}) {
    const base = options.url ?? DEFAULT_STATUS_PAGE_URL;
    let parsed: URL;
    try {
      parsed = new URL(base.endsWith('/') ? base : `${base}/`);
    } catch {
      throw new TypeError(`StatusWatch: url must be an absolute http(s) URL, got ${JSON.stringify(base)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`StatusWatch: url must be an absolute http(s) URL, got ${JSON.stringify(base)}`);
    this.url = new URL('api/v2/summary.json', parsed).href;
    this.page = parsed.host;
    this.intervalMs = positive('intervalMs', options.intervalMs, DEFAULT_STATUS_INTERVAL_MS);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULT_STATUS_TIMEOUT_MS);
    this.#fetch = options.fetch ?? fetch;
  }

  /** Polls once and returns what it got. Never throws: a failure is an outcome. */
  async poll(signal?: AbortSignal): Promise<StatusPollOutcome> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#lastGood) {
      if (this.#etag) headers['if-none-match'] = this.#etag;
      if (this.#lastModified) headers['if-modified-since'] = this.#lastModified;
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let body = '';
    let response: Response;
    try {
      response = await this.#fetch(this.url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      status = response.status;
      if (status !== 304) body = await response.text();
    } catch {
      this.#current = false;
      return StatusPollOutcome.UNREACHABLE;
    }
    if (status === 304) {
      // Unchanged since the version we hold, if we hold one; a 304 we did not ask for says nothing.
      this.#current = this.#lastGood !== undefined;
      return this.#current ? StatusPollOutcome.NOT_MODIFIED : this.#garbage();
    }
    if (status < 200 || status >= 300) {
      this.#current = false;
      return StatusPollOutcome.UNREACHABLE;
    }
    const summary = parseSummary(body);
    if (!summary) return this.#garbage();
    this.#lastGood = summary;
    this.#etag = response.headers.get('etag') ?? undefined;
    this.#lastModified = response.headers.get('last-modified') ?? undefined;
    this.#current = true;
    return StatusPollOutcome.UPDATED;
  }

  /** A body that is no summary: unknown, and the next poll asks afresh (no validators). */
  #garbage(): StatusPollOutcome {
    this.#current = false;
    this.#etag = this.#lastModified = undefined;
    return StatusPollOutcome.GARBAGE;
  }

  /** The state to report now. Before the first good answer: the indicator unknown, no components. */
  snapshot(): StatusSnapshot {
    const good = this.#lastGood;
    if (good && this.#current) {
      return { indicator: good.indicator, components: new Map(good.components.map((c) => [c.name, c.status])), incidents: good.incidents };
    }
    return { indicator: IncidentImpact.UNKNOWN, components: new Map((good?.components ?? []).map((c) => [c.name, ComponentStatus.UNKNOWN])), incidents: [] };
  }

  /**
   * Polls now, then every {@link intervalMs} on `clock`, until `signal` aborts; `onPoll`
   * hears each outcome.
   */
  async run(clock: Clock, signal: AbortSignal, onPoll: (outcome: StatusPollOutcome) => void = () => undefined): Promise<void> {
    while (!signal.aborted) {
      const outcome = await this.poll(signal);
      if (signal.aborted) return;
      onPoll(outcome);
      try {
        await clock.sleep(this.intervalMs, signal);
      } catch {
        return;
      }
    }
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 1)) throw new RangeError(`StatusWatch: ${name} must be a finite number of milliseconds >= 1, got ${String(value)}`);
  return value;
}
