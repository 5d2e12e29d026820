import { AdmissionOutcome, CallOutcome, ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import {
  createPolicy,
  InMemoryOverloadStore,
  isCallAbortedError,
  isDeadlineExceededError,
  seededRandom,
  VirtualClock,
  type AdmissionEvent,
  type CallEndEvent,
} from '../src/index.js';
import { classify, overloaded } from './fixtures.js';
import { script, settle, setup } from './harness.js';
import { hangingSlots } from './storeDoubles.js';

const model = 'claude-sonnet-4-6';

/** Paced at one call per 20 s, without growing back within a test. */
const SLOW = { minRate: 0.05, doublingMs: 1e9, calmRate: 0, calmAfterMs: 1e9 };

describe('an admission wait cut short', () => {
  it('is reported once when the caller aborts it, as aborted, with the time it waited', async () => {
    const { clock, policy, named } = setup({ admission: SLOW });
    // An overload paces the model: the next call's turn is 20 s away.
    const pacing = policy.execute(script(clock, [overloaded(), 'ok']).fn, { model, deadlineMs: 600_000 });
    await clock.runAll();
    await expect(pacing).resolves.toBe('ok');
    const before = named('onAdmission').length;
    const startedAt = clock.now();

    const controller = new AbortController();
    const call = policy.execute(script(clock, ['never']).fn, { model, signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await clock.advance(3000);
    expect(policy.admissionState(model)?.queueDepth).toBe(1);
    controller.abort(new Error('the user left'));
    const error = await call;

    expect(isCallAbortedError(error)).toBe(true);
    expect(named('onAdmission').slice(before)).toEqual([
      { call: expect.objectContaining({ model, startedAt }), model, waitedMs: 3000, admitted: false, outcome: AdmissionOutcome.ABORTED },
    ]);
    expect(named('onCallEnd').at(-1)).toMatchObject({ outcome: CallOutcome.FAILED, errorType: ErrorType.ABORTED });
    expect(policy.admissionState(model)?.queueDepth).toBe(0);
  });

  it('is reported once when the deadline passes while the call waits, as deadline_exceeded, with the time it waited', async () => {
    // A fleet store whose slot answers hang (a store without a timeout of its own): nothing
    // admits the call and nothing refuses it, so its deadline is what ends the wait.
    const clock = new VirtualClock();
    const store = new InMemoryOverloadStore({ rate: { calmRate: 1, minRate: 0.01, doublingMs: 1e9, calmAfterMs: 1e9 } }, clock);
    const policy = createPolicy({ classify, clock, random: seededRandom(1), store: hangingSlots(store), admission: { doublingMs: 1e9 } });
    const admissions: AdmissionEvent[] = [];
    policy.onAdmission((e) => admissions.push(e));
    const ends: CallEndEvent[] = [];
    policy.onCallEnd((e) => ends.push(e));

    const { fn, seen } = script(clock, [overloaded(), 'never']);
    const { error } = await settle(clock, policy.execute(fn, { model, deadlineMs: 5000 }));

    expect(isDeadlineExceededError(error)).toBe(true);
    expect(seen).toEqual([{ model, attempt: 1, at: 0 }]); // the retry never got a slot
    // The first attempt waited (0 ms) for the store's first pace read; the retry's wait ended at the deadline.
    const call = expect.objectContaining({ model, startedAt: 0 });
    expect(admissions).toEqual([
      { call, model, waitedMs: 0, admitted: true, outcome: AdmissionOutcome.ADMITTED },
      { call, model, waitedMs: 5000, admitted: false, outcome: AdmissionOutcome.DEADLINE_EXCEEDED },
    ]);
    expect(ends).toEqual([expect.objectContaining({ outcome: CallOutcome.FAILED, errorType: ErrorType.DEADLINE_EXCEEDED })]);
  });
});
