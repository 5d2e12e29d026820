import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  CallOutcome,
  METRIC_CALLS,
  METRIC_STORE_ERRORS,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_SHARING,
  StoreOperation,
  StoreReason,
  ATTR_CALL_OUTCOME,
} from '@stormwatch/conventions';
import { createPolicy, InMemoryOverloadStore, seededRandom, type StoreHealth } from '@stormwatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { instrumentPolicy } from '../src/index.js';
import { storeOperationOf } from '../src/internal/attributes.js';
import { classify, pointsFrom, script, settle, setup, TestReader } from './harness.js';

const OPUS = 'claude-opus-4-7';

/** A store that reports the health a test sets, as a shared store (a Redis store) does; the in-memory store answers its operations. */
class ReportingStore extends InMemoryOverloadStore {
  current: StoreHealth = { sharing: true, localAnswers: {} };
  health(): StoreHealth {
    return this.current;
  }
}

/** A store whose every operation rejects, as a closed store's do. */
async function closedStore(): Promise<InMemoryOverloadStore> {
  const store = new InMemoryOverloadStore();
  await store.close();
  return store;
}

/** Local-answer points by reason: the four known reasons at 0 unless `counts` says otherwise. */
function localAnswers(counts: Partial<Record<StoreReason, number>> = {}) {
  const known = [StoreReason.TIMEOUT, StoreReason.CONNECTION, StoreReason.ERROR_REPLY, StoreReason.MALFORMED_REPLY];
  const reasons = [...new Set([...known, ...(Object.keys(counts) as StoreReason[])])];
  return reasons.map((reason) => ({ attributes: { [ATTR_STORE_REASON]: reason }, value: counts[reason] ?? 0 }));
}

const byReason = (points: Array<{ attributes: Record<string, unknown> }>) =>
  [...points].sort((a, b) => String(a.attributes[ATTR_STORE_REASON]).localeCompare(String(b.attributes[ATTR_STORE_REASON])));

/** A policy on `store` (none: the process's own state) with a reader of its own (cumulative unless told), and more policies instrumented on the same meter. */
function withStore(store?: InMemoryOverloadStore, temporality?: AggregationTemporality) {
  const reader = new TestReader(temporality);
  const meterProvider = new MeterProvider({ readers: [reader] });
  const t = setup(store ? { store } : {}, { meterProvider });
  const points = (name: string) => pointsFrom(reader, name);
  /** Another policy (of `name`) instrumented on the same meter. */
  const another = (name: string, options: { store?: InMemoryOverloadStore } = {}) => {
    const policy = createPolicy({ name, classify, clock: t.clock, random: seededRandom(2), ...options });
    const handle = instrumentPolicy(policy, { meterProvider, tracerProvider: t.tracerProvider });
    return { policy, handle };
  };
  return { ...t, meterProvider, points, another };
}

afterEach(() => {
  diag.disable();
  vi.restoreAllMocks();
});

describe('store health', () => {
  it('observes a shared store sharing (1, no local answers), then answering locally (0, its local answers by reason)', async () => {
    const store = new ReportingStore();
    const t = withStore(store);
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 1 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers()));

    store.current = { sharing: false, localAnswers: { connection: 3, timeout: 2 } };
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ connection: 3, timeout: 2 })));
  });

  it('records a reason the contract does not know as _OTHER, and leaves out counts that are not counts', async () => {
    const store = new ReportingStore();
    store.current = { sharing: false, localAnswers: { connection: 1, cosmic_ray: 2, gremlins: 3, timeout: Number.NaN, error_reply: -1 } };
    const t = withStore(store);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ connection: 1, [StoreReason.OTHER]: 5 })));
  });

  it('reads a store shared by several policies, or instrumented twice on one meter, once', async () => {
    const store = new ReportingStore();
    store.current = { sharing: false, localAnswers: { connection: 7 } };
    const t = withStore(store);
    t.another('batch', { store });
    const again = instrumentPolicy(t.policy, {
      meterProvider: t.meterProvider,
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }),
    });
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ connection: 7 })));
    again.dispose();
  });

  it('adds up the local answers of distinct stores, and is 0 when any of them answers locally', async () => {
    const shares = new ReportingStore();
    shares.current = { sharing: true, localAnswers: { timeout: 1 } };
    const t = withStore(shares);
    const local = new ReportingStore();
    local.current = { sharing: false, localAnswers: { timeout: 2, connection: 4 } };
    t.another('batch', { store: local });
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 3, connection: 4 })));
    local.current = { sharing: true, localAnswers: { timeout: 2, connection: 4 } };
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 1 }]);
  });

  it('keeps the last count of a store that leaves, so the counter never goes back, and does not count it twice when it comes back', async () => {
    const stays = new ReportingStore();
    stays.current = { sharing: true, localAnswers: { timeout: 1 } };
    const t = withStore(stays);
    const leaves = new ReportingStore();
    leaves.current = { sharing: false, localAnswers: { connection: 5 } };
    const batch = t.another('batch', { store: leaves });
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 1, connection: 5 })));

    batch.handle.dispose();
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 1 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 1, connection: 5 })));

    // Back, with more answers since: counted once, at its new count.
    leaves.current = { sharing: false, localAnswers: { connection: 8 } };
    const back = instrumentPolicy(batch.policy, { meterProvider: t.meterProvider, tracerProvider: t.tracerProvider });
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 1, connection: 8 })));
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    back.dispose();
  });

  it('leaves a closed store beside a healthy one out of the sharing gauge (still 1), its final local answers in the sum', async () => {
    const healthy = new ReportingStore();
    healthy.current = { sharing: true, localAnswers: { timeout: 1 } };
    const t = withStore(healthy);
    const closing = new ReportingStore();
    closing.current = { sharing: false, localAnswers: { connection: 2 } };
    t.another('batch', { store: closing });
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);

    // Closed after two more local answers: it shares nothing, and it counts no more.
    closing.current = { sharing: false, localAnswers: { connection: 4 }, closed: true };
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 1 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 1, connection: 4 })));
    // Read again while closed: counted once.
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 1, connection: 4 })));

    healthy.current = { sharing: false, localAnswers: { timeout: 2 } };
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 2, connection: 4 })));
  });

  it('observes no sharing sample for a process whose only store is closed (nothing could share), and keeps its final local answers', async () => {
    // Delta temporality: each collection holds what the callback observed. (A cumulative
    // reader of the OpenTelemetry JS SDK repeats a gauge's last value once it is no longer
    // observed: the last "sharing" before the close.)
    const store = new ReportingStore();
    store.current = { sharing: true, localAnswers: {} };
    const t = withStore(store, AggregationTemporality.DELTA);
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 1 }]);

    store.current = { sharing: false, localAnswers: { timeout: 3 }, closed: true };
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ timeout: 3 }))); // 3 since the last collection
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([]);

    // Closed before it was ever read, and with nothing counted: still no sharing sample, the known reasons at 0.
    const never = new ReportingStore();
    never.current = { sharing: false, localAnswers: {}, closed: true };
    const u = withStore(never);
    expect(await u.points(METRIC_STORE_SHARING)).toEqual([]);
    expect(byReason(await u.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers()));
  });

  it("observes nothing for a policy on the process's own state (the in-memory default reports no health)", async () => {
    const t = withStore();
    t.another('batch', { store: new InMemoryOverloadStore({}, t.clock) });
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    expect(await t.points(METRIC_STORE_SHARING)).toEqual([]);
    expect(await t.points(METRIC_STORE_LOCAL_ANSWERS)).toEqual([]);
  });

  it("leaves out a store whose health() fails, reported to diag once, and the other stores' health stays", async () => {
    const logged: unknown[][] = [];
    const logger: DiagLogger = { error: (...args) => void logged.push(args), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    const broken = new ReportingStore();
    const boom = new Error('health boom');
    broken.health = () => {
      throw boom;
    };
    const t = withStore(broken);
    const fine = new ReportingStore();
    fine.current = { sharing: false, localAnswers: { error_reply: 2 } };
    t.another('batch', { store: fine });
    const garbage = new ReportingStore();
    garbage.current = { localAnswers: {} } as unknown as StoreHealth;
    t.another('other', { store: garbage });

    expect(await t.points(METRIC_STORE_SHARING)).toEqual([{ attributes: {}, value: 0 }]);
    expect(byReason(await t.points(METRIC_STORE_LOCAL_ANSWERS))).toEqual(byReason(localAnswers({ error_reply: 2 })));
    expect(logged.map((args) => args[0])).toEqual([
      "@stormwatch/telemetry: an overload store's health() failed; its health is left out of the store metrics",
      "@stormwatch/telemetry: an overload store's health() failed; its health is left out of the store metrics",
    ]);
    expect(logged[0]?.[1]).toBe(boom);
    await t.points(METRIC_STORE_SHARING);
    expect(logged).toHaveLength(2);
  });
});

describe('store errors', () => {
  const warnings = () => {
    const logged: unknown[][] = [];
    const logger: DiagLogger = { error: () => {}, warn: (...args) => void logged.push(args), info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.WARN);
    return logged;
  };

  it('counts the operations a closed store rejects by operation, model and policy; the call goes on', async () => {
    const logged = warnings();
    const processWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const t = withStore();
    const { policy } = t.another('batch', { store: await closedStore() });
    const seen: string[] = [];
    policy.onStoreError(({ operation }) => void seen.push(operation));

    expect(await settle(t.clock, policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    expect(await settle(t.clock, policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });

    expect(seen.length).toBeGreaterThan(0);
    const counts = new Map<string, number>();
    for (const operation of seen) counts.set(storeOperationOf(operation), (counts.get(storeOperationOf(operation)) ?? 0) + 1);
    const sortOp = (points: Array<{ attributes: Record<string, unknown> }>) =>
      [...points].sort((a, b) => String(a.attributes[ATTR_STORE_OPERATION]).localeCompare(String(b.attributes[ATTR_STORE_OPERATION])));
    expect(sortOp(await t.points(METRIC_STORE_ERRORS))).toEqual(
      sortOp(
        [...counts].map(([operation, value]) => ({
          attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'batch', [ATTR_STORE_OPERATION]: operation },
          value,
        })),
      ),
    );
    // Admission records each calm call in the store; the call went on without it.
    expect(counts.get(StoreOperation.RECORD_CALLS)).toBe(2);
    expect(await t.points(METRIC_CALLS)).toEqual([
      { attributes: { [ATTR_GEN_AI_REQUEST_MODEL]: OPUS, [ATTR_POLICY]: 'batch', [ATTR_CALL_OUTCOME]: CallOutcome.SUCCESS }, value: 2 },
    ]);
    // The first error goes to diag (core's process warning is replaced), once per policy.
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.[0])).toMatch(/^@stormwatch\/telemetry: the overload store of policy "batch" failed \w+ for claude-opus-4-7 \(the call went on/);
    expect((logged[0]?.[1] as Error).message).toBe('InMemoryOverloadStore: the store is closed');
    expect(processWarning).not.toHaveBeenCalled();
  });

  it('warns once per policy however many instrumentations it has, and leaves the warning to core without any', async () => {
    const logged = warnings();
    const processWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const t = withStore(await closedStore());
    const second = instrumentPolicy(t.policy, {
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }),
      meterProvider: new MeterProvider({ readers: [new TestReader()] }),
    });
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }));
    expect(logged).toHaveLength(1);
    expect((await t.points(METRIC_STORE_ERRORS)).every((p) => p.attributes[ATTR_POLICY] === 'chat')).toBe(true);

    t.handle.dispose();
    second.dispose();
    expect(await settle(t.clock, t.policy.execute(script(['ok']), { model: OPUS }))).toEqual({ value: 'ok' });
    expect(logged).toHaveLength(1);
    expect(processWarning).toHaveBeenCalledTimes(1);
    expect(String(processWarning.mock.calls[0]![0])).toContain('the store is closed');
  });

  it('names every operation of the store by the contract (snake case), and one it does not know _OTHER', () => {
    // Every OverloadStore operation the reference store has (adoptPace is its own, for a shared store's fallback: never an operation that can reject).
    const operations = Object.getOwnPropertyNames(InMemoryOverloadStore.prototype).filter((m) => !['constructor', 'close', 'health', 'adoptPace'].includes(m));
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const operation of operations) expect(storeOperationOf(operation), operation).not.toBe(StoreOperation.OTHER);
    expect(storeOperationOf('reserveSlot')).toBe(StoreOperation.RESERVE_SLOT);
    expect(storeOperationOf('tryWithdraw')).toBe(StoreOperation.TRY_WITHDRAW);
    expect(storeOperationOf('compactEverything')).toBe(StoreOperation.OTHER);
  });
});
