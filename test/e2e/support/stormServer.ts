import { FakeAnthropic, ok, overloaded, streamCut, type Behaviour, type RecordedRequest } from '@stormwatch/fake-anthropic';

/**
 * What one scripted call asks of the fake server, written into its prompt so that the
 * answer does not depend on how concurrent calls interleave: `fail` overloads (529) the
 * first `fail` requests of call `id`; `cut` breaks the stream after two deltas.
 */
export interface CallScript {
  readonly id: string;
  readonly fail: number;
  readonly cut?: boolean;
}

/** The prompt that carries a call's script. */
export function promptOf(script: CallScript): string {
  return `stormwatch-e2e id=${script.id} fail=${script.fail} cut=${script.cut ? 1 : 0}`;
}

function scriptOf(request: Omit<RecordedRequest, 'behaviour'>): CallScript | undefined {
  const messages = request.body?.messages as readonly { content?: unknown }[] | undefined;
  const content = messages?.[0]?.content;
  const text = typeof content === 'string' ? content : '';
  const m = /id=(\S+) fail=(\d+) cut=([01])/.exec(text);
  return m ? { id: m[1] ?? '', fail: Number(m[2]), cut: m[3] === '1' } : undefined;
}

/** Models the fake server always overloads, whatever the script says. */
export type OverloadedModels = ReadonlySet<string>;

/** Rate-limit headers the fake sends with every answer (read into stormwatch.ratelimit.remaining). */
export const RATELIMIT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'anthropic-ratelimit-requests-remaining': '4000',
  'anthropic-ratelimit-input-tokens-remaining': '390000',
  'anthropic-ratelimit-output-tokens-remaining': '79000',
});

/** A fake Anthropic server that answers each call as its prompt scripts, and counts. */
export async function startStormServer(overloadedModels: OverloadedModels): Promise<FakeAnthropic> {
  const seen = new Map<string, number>();
  return FakeAnthropic.start({
    otherwise: (request): Behaviour => {
      const model = request.body?.model ?? '';
      if (overloadedModels.has(model)) return overloaded();
      const script = scriptOf(request);
      if (!script) return ok({ headers: { ...RATELIMIT_HEADERS } });
      const n = (seen.get(script.id) ?? 0) + 1;
      seen.set(script.id, n);
      if (n <= script.fail) return overloaded();
      if (script.cut) return streamCut(2);
      return ok({ headers: { ...RATELIMIT_HEADERS } });
    },
  });
}

/** Requests the fake received for one model, and how many of them it overloaded. */
export function countsFor(server: FakeAnthropic, model: string): { requests: number; overloaded: number } {
  const mine = server.requests.filter((r) => r.body?.model === model);
  return {
    requests: mine.length,
    overloaded: mine.filter((r) => r.behaviour.kind === 'error' && r.behaviour.status === 529).length,
  };
}
