/**
 * `--live`: one policy against the scenario in real time, over real HTTP. The simulated
 * service runs behind a local server (127.0.0.1) and the fleet's SDK clients call it with
 * the SDK's own `fetch`, so a collector sees real requests; a line of counters is printed
 * every second and the figures at the end.
 */
import { computeFigures } from '../figures.js';
import { startFleet } from '../fleet.js';
import { formatTextTable } from '../report/table.js';
import type { PolicyRun } from '../runPolicy.js';
import type { PolicyUnderTest } from '../policies/PolicyUnderTest.js';
import { deriveSeed } from '../rng.js';
import type { Scenario } from '../scenarios/Scenario.js';
import { validateScenario } from '../scenarios/validateScenario.js';
import { SimulatedService } from '../SimulatedService.js';
import { seededRandom } from '@stormwatch/core';
import type { StartOptions } from '@stormwatch/node';
import { liveRun, tickLine } from './liveReport.js';
import { LiveServer } from './LiveServer.js';
import { relativeClock } from './relativeClock.js';
import { startLiveTelemetry } from './telemetry.js';

export interface LiveOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly policy: PolicyUnderTest;
  /** Port of the local server; 0 picks a free one. */
  readonly port: number;
  readonly stdout: { write(text: string): void };
  readonly stderr: { write(text: string): void };
  /** Stops new calls early (Ctrl-C); the run ends when the calls in progress have ended. */
  readonly signal?: AbortSignal;
  /**
   * Export the policy's telemetry over OTLP through `@stormwatch/node` (`start()` before
   * the fleet, `shutdown()` — which flushes — after it): `true` or start options to turn
   * it on, `false` to keep it off. Defaults to on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. Service name: `OTEL_SERVICE_NAME`, else
   * {@link LIVE_SERVICE_NAME}; metrics every 5 s unless `OTEL_METRIC_EXPORT_INTERVAL` says otherwise.
   */
  readonly telemetry?: boolean | StartOptions;
}

export { LIVE_SERVICE_NAME } from './telemetry.js';

export async function runLive(options: LiveOptions): Promise<PolicyRun> {
  const { scenario, seed, policy } = options;
  validateScenario(scenario);
  const stopTelemetry = await startLiveTelemetry(options.telemetry, options.stderr);
  const clock = relativeClock();
  const service = new SimulatedService(scenario, clock, seededRandom(deriveSeed(seed, 'service')));
  const server = new LiveServer(service);
  const baseURL = await server.listen(options.port);
  options.stderr.write(`live: ${scenario.name} against ${baseURL} with ${policy.label}, ${scenario.durationS} s of arrivals\n`);
  let calls: ReturnType<typeof startFleet> = [];
  let open = 0;
  let allStarted = false;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const arrivalsOver = new AbortController();
  try {
    calls = startFleet({
      scenario,
      seed,
      clock,
      signal: arrivalsOver.signal,
      createCaller: (clientIndex) =>
        policy.createCaller({
          clock,
          random: seededRandom(deriveSeed(seed, `policy:${policy.seedName ?? policy.id}:${clientIndex}`)),
          fetch: globalThis.fetch,
          baseURL,
          clientIndex,
          fallbackModels: scenario.fleet.fallbackModels,
        }),
      onCallStart: () => void open++,
      onCallEnd: () => {
        open--;
        if (allStarted && open === 0) settle();
      },
    });
    const ticker = setInterval(() => options.stderr.write(tickLine(clock.now(), calls.length, open, service)), 1000);
    const stop = () => {
      // No new calls; the ones in progress finish (a second Ctrl-C ends the process).
      options.stderr.write(`live: stopping, waiting for ${open} calls in progress\n`);
      arrivalsOver.abort();
    };
    if (options.signal?.aborted === true) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    await clock.sleep(scenario.durationS * 1000, arrivalsOver.signal).catch(() => undefined);
    allStarted = true;
    if (open === 0) settle();
    await finished;
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', stop);
    await policy.finishRun?.(clock); // what the run's clients shared (stormwatch-defer: its queue file)
  } finally {
    service.dispose();
    await server.close();
    await stopTelemetry?.();
  }
  const run = liveRun({ policy, scenario, seed, calls, service, endMs: clock.now() });
  const figures = computeFigures(run);
  options.stdout.write(`\n${formatTextTable([figures])}\n`);
  return run;
}
