/**
 * The oracle: the physical limit of the scenario. A fleet-wide perfect scheduler that
 * knows the service's capacity exactly (its concurrency and rate limits, every future
 * capacity drop, the rate-limit buckets and each request's service time), holds calls
 * in one FIFO queue and sends a request only when the service will admit it and keep it
 * to the end: no request is ever rejected and the backlog drains at exactly the spare
 * capacity. A call whose deadline can no longer be met is dropped without being sent
 * (counted as failed). Calls that may fall back go to the first model with room.
 * Connection resets and streams broken by the overloaded service are random and cannot
 * be scheduled around: the oracle re-queues them at the head at once.
 *
 * It sends through the same real SDK and simulated service as every policy, so its
 * figures are computed by the same code.
 */
import type { Clock } from '@stormwatch/core';
import type { Scenario } from '../scenarios/Scenario.js';
import { inWindow } from '../scenarios/windows.js';
import type { SimulatedService } from '../SimulatedService.js';
import type { Caller, ClientEnv, PolicyUnderTest, SimCall, SimCallResult } from './PolicyUnderTest.js';
import { createSdkClient, sendMessage } from './sendMessage.js';

/** The error a call the oracle could not serve before its deadline fails with. */
export class OracleDeadlineError extends Error {
  readonly isOracleDeadlineError = true;
  constructor(callId: number) {
    super(`call ${callId} cannot be served before its deadline`);
    this.name = 'OracleDeadlineError';
  }
}

interface Queued {
  readonly call: SimCall;
  readonly startMs: number;
  readonly env: ClientEnv;
  resolve(result: SimCallResult): void;
  reject(error: unknown): void;
}

interface Reservation {
  /** Predicted end of service at the service, in ms. */
  endMs: number;
}

export class OracleScheduler {
  readonly #service: SimulatedService;
  readonly #clock: Clock;
  readonly #scenario: Scenario;
  readonly #queue: Queued[] = [];
  readonly #reservations = new Map<string, Reservation[]>();
  readonly #admissions = new Map<string, { second: number; count: number }>();
  readonly #buckets: { tokens: number; atMs: number }[];
  readonly #changes: number[];
  readonly #clients = new Map<ClientEnv, ReturnType<typeof createSdkClient>>();
  #timer: AbortController | undefined;
  #timerAt = Infinity;

  constructor(scenario: Scenario, service: SimulatedService, clock: Clock) {
    this.#scenario = scenario;
    this.#service = service;
    this.#clock = clock;
    for (const m of scenario.models) this.#reservations.set(m.id, []);
    this.#buckets = scenario.rateLimitWaves.map((w) => ({ tokens: w.requestsPerSecond, atMs: w.startS * 1000 }));
    this.#changes = service.capacityChangesMs();
  }

  /** The oracle as a policy (all clients share this scheduler). */
  policy(): PolicyUnderTest {
    return {
      id: 'oracle',
      label: 'oracle (physical limit)',
      description:
        'A perfect fleet-wide scheduler that knows the capacity exactly: never rejected, backlog drained at spare capacity.',
      createCaller: (env): Caller => (call) =>
        new Promise<SimCallResult>((resolve, reject) => {
          this.#queue.push({ call, startMs: this.#clock.now(), env, resolve, reject });
          this.#pump();
        }),
    };
  }

  #half(): number {
    return this.#scenario.networkRttMs / 2;
  }

  /** Would a request of `model` sent now be admitted and kept to its end? */
  #fits(model: string, serviceMs: number): boolean {
    const arrive = this.#clock.now() + this.#half();
    const end = arrive + serviceMs;
    const reservations = this.#reservations.get(model);
    if (reservations === undefined) return false;
    // A reservation ending exactly at t counts as busy: the service may release it after
    // the new request arrives at the same instant.
    const activeAt = (t: number): number => reservations.filter((r) => r.endMs >= t).length;
    if (activeAt(arrive) + 1 > this.#service.concurrencyLimit(model, arrive)) return false;
    for (const change of this.#changes) {
      if (change > arrive && change < end && activeAt(change) + 1 > this.#service.concurrencyLimit(model, change)) {
        return false;
      }
    }
    const second = Math.floor(arrive / 1000);
    const window = this.#admissions.get(model);
    const count = window !== undefined && window.second === second ? window.count : 0;
    if (count + 1 > this.#service.rateLimit(model, arrive)) return false;
    return this.#bucketsAllow(arrive, false);
  }

  /** Mirrors the service's rate-limit buckets; `take` consumes a token. */
  #bucketsAllow(arrive: number, take: boolean): boolean {
    let ok = true;
    this.#scenario.rateLimitWaves.forEach((w, i) => {
      if (!inWindow(w, arrive)) return;
      const b = this.#buckets[i]!;
      const tokens = Math.min(w.requestsPerSecond, b.tokens + ((arrive - b.atMs) / 1000) * w.requestsPerSecond);
      if (tokens < 1) ok = false;
      if (take) {
        b.tokens = tokens - 1;
        b.atMs = arrive;
      }
    });
    return ok;
  }

  #reserve(model: string, serviceMs: number): Reservation {
    const arrive = this.#clock.now() + this.#half();
    const reservation = { endMs: arrive + serviceMs };
    this.#reservations.get(model)!.push(reservation);
    const second = Math.floor(arrive / 1000);
    const window = this.#admissions.get(model);
    if (window !== undefined && window.second === second) window.count += 1;
    else this.#admissions.set(model, { second, count: 1 });
    this.#bucketsAllow(arrive, true);
    return reservation;
  }

  #release(model: string, reservation: Reservation): void {
    const list = this.#reservations.get(model)!;
    const i = list.indexOf(reservation);
    if (i >= 0) list.splice(i, 1);
  }

  #pump(): void {
    const now = this.#clock.now();
    for (let i = 0; i < this.#queue.length; ) {
      const q = this.#queue[i]!;
      const models = [q.call.model, ...q.call.fallbackModels];
      let sent = false;
      let anyInTime = false;
      for (const model of models) {
        const serviceMs = this.#service.serviceMs(model, q.call.outputTokens);
        if (now + this.#scenario.networkRttMs + serviceMs > q.startMs + q.call.deadlineMs) continue;
        anyInTime = true;
        if (this.#fits(model, serviceMs)) {
          this.#queue.splice(i, 1);
          this.#send(q, model, this.#reserve(model, serviceMs));
          sent = true;
          break;
        }
      }
      if (sent) continue;
      if (!anyInTime) {
        this.#queue.splice(i, 1);
        q.reject(new OracleDeadlineError(q.call.callId));
        continue;
      }
      i++;
    }
    this.#arm();
  }

  /** Wakes the pump at the next instant something may fit: a reservation ending, a new second, a capacity change. */
  #arm(): void {
    if (this.#queue.length === 0) {
      this.#timer?.abort();
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    const now = this.#clock.now();
    const half = this.#half();
    let next = (Math.floor((now + half) / 1000) + 1) * 1000 - half;
    for (const list of this.#reservations.values()) for (const r of list) if (r.endMs + 1 - half > now) next = Math.min(next, r.endMs + 1 - half);
    for (const c of this.#changes) if (c + 1 - half > now) next = Math.min(next, c + 1 - half);
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    this.#timer?.abort();
    const timer = new AbortController();
    this.#timer = timer;
    this.#timerAt = next;
    this.#clock.sleep(next - now, timer.signal).then(
      () => {
        if (this.#timer === timer) {
          this.#timer = undefined;
          this.#timerAt = Infinity;
        }
        this.#pump();
      },
      () => undefined,
    );
  }

  #send(q: Queued, model: string, reservation: Reservation): void {
    let client = this.#clients.get(q.env);
    if (client === undefined) {
      client = createSdkClient(q.env, 0);
      this.#clients.set(q.env, client);
    }
    sendMessage(client, q.call, model).then(
      (result) => {
        this.#release(model, reservation);
        q.resolve(result);
        this.#pump();
      },
      () => {
        // A reset or a stream broken by the overloaded service: random, not a capacity
        // decision. Back to the head of the queue.
        this.#release(model, reservation);
        this.#queue.unshift(q);
        this.#pump();
      },
    );
  }
}
