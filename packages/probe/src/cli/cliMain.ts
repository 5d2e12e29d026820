/**
 * The probe's command line (`stormwatch-probe`). Everything but the process is injected,
 * so tests run it in-process.
 */
import { start } from '@stormwatch/node';
import { worstCaseDailyCost } from '../cost.js';
import { isProbeKeyError } from '../errors/ProbeKeyError.js';
import { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER, DEFAULT_PROBE_MODELS, type ProbeOptions } from '../ProbeOptions.js';
import { startProbe, type Probe } from '../startProbe.js';
import { StatusWatch } from '../status/StatusWatch.js';
import { HELP, parseConfig, UsageError, type CliProbeOptions, type Env } from './config.js';

export interface CliIo {
  readonly stdout: { write(text: string): void };
  readonly stderr: { write(text: string): void };
  readonly env: Env;
  /** Aborts to stop the probe (the bin wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  /**
   * Starts telemetry; returns its shutdown (flushes the last figures). Defaults to
   * `@stormwatch/node`'s `start()`, configured by the `OTEL_*` variables.
   */
  readonly startTelemetry?: () => { shutdown(): Promise<void> };
  /** Extra options for the probe (tests: the clock, the meter). */
  readonly probeOptions?: Omit<ProbeOptions, keyof CliProbeOptions | 'apiKey'>;
}

const defaultTelemetry = (env: Env) => () => start(env.OTEL_SERVICE_NAME?.trim() ? {} : { serviceName: 'stormwatch-probe' });

function describe(options: CliProbeOptions): string {
  const models = options.models ?? DEFAULT_PROBE_MODELS;
  const intervalMs = options.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  const jitter = options.jitter ?? DEFAULT_PROBE_JITTER;
  const lines = [`stormwatch-probe: probing ${models.join(', ')} every ${intervalMs / 1000} s ±${Math.round(jitter * 100)} %`];
  for (const model of models) {
    const cost = worstCaseDailyCost(model, intervalMs, jitter);
    lines.push(`  ${model}: at most ${cost.requests} requests, ${cost.tokens} tokens, ${cost.usd === undefined ? 'an unknown price' : `$${cost.usd.toFixed(2)}`} per day`);
  }
  if (options.statusPage !== false) {
    const watch = new StatusWatch(options.statusPage ?? {});
    lines.push(`  watching ${watch.url} every ${watch.intervalMs / 1000} s`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the probe until the signal aborts or the key is rejected; resolves with the exit status. */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  let options: CliProbeOptions | 'help';
  try {
    options = parseConfig(args, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`stormwatch-probe: ${error.message}\nRun stormwatch-probe --help for usage.\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  const apiKey = io.env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) {
    io.stderr.write('stormwatch-probe: no Anthropic API key: set ANTHROPIC_API_KEY. The probe did not start.\n');
    return 2;
  }
  try {
    new StatusWatch(options.statusPage === false ? {} : options.statusPage); // validates the URL before telemetry starts
  } catch (error) {
    io.stderr.write(`stormwatch-probe: ${(error as Error).message}\n`);
    return 2;
  }
  io.stderr.write(describe(options));
  const telemetry = (io.startTelemetry ?? defaultTelemetry(io.env))();
  let probe: Probe | undefined;
  try {
    probe = startProbe({ ...io.probeOptions, ...options, apiKey });
    const stop = () => void probe?.stop();
    if (io.signal.aborted) stop();
    else io.signal.addEventListener('abort', stop, { once: true });
    await probe.done;
    return 0;
  } catch (error) {
    if (!isProbeKeyError(error)) throw error;
    io.stderr.write(`stormwatch-probe: ${error.message}. Fix ANTHROPIC_API_KEY and start it again.\n`);
    return error.problem === 'missing' ? 2 : 1;
  } finally {
    await probe?.stop();
    await telemetry.shutdown();
  }
}
