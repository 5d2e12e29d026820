import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ProbeOptions } from '../ProbeOptions.js';

export const HELP = `stormwatch-probe: the synthetic probe and the status-page watch, as OpenTelemetry metrics.

Usage: stormwatch-probe [options]

For each model, one request (max_tokens 1, the prompt "ping") at a steady, jittered pace
through the Stormwatch policy "probe", never more than one in flight per model; and the
provider's Atlassian Statuspage (/api/v2/summary.json) polled with conditional requests.

Options (each also from the environment variable shown):
  --model <id>              a model to probe; repeat for several       STORMWATCH_PROBE_MODELS (comma-separated)
                            (default: claude-haiku-4-5)
  --interval <seconds>      mean time between probes of a model (20)   STORMWATCH_PROBE_INTERVAL
  --jitter <fraction>       spread of each interval, 0 to <1 (0.2)     STORMWATCH_PROBE_JITTER
  --timeout <seconds>       deadline of one probe, retries included (30) STORMWATCH_PROBE_TIMEOUT
  --base-url <url>          the Anthropic API (the SDK's default)       ANTHROPIC_BASE_URL
  --status-url <url>        the status page's base URL                  STORMWATCH_STATUS_URL
                            (default: https://status.anthropic.com)
  --status-interval <seconds> time between status polls (60)           STORMWATCH_STATUS_INTERVAL
  --no-status               do not watch the status page               STORMWATCH_STATUS=off
  --help                    this text

The key comes from ANTHROPIC_API_KEY only (never a flag: command lines are visible to
every user of the machine). Metrics go where the OpenTelemetry SDK's own OTEL_* variables
say (OTLP/HTTP to http://localhost:4318 by default; OTEL_SERVICE_NAME defaults to
stormwatch-probe; OTEL_SDK_DISABLED=true for none).
Exit status: 0 stopped (SIGINT/SIGTERM), 1 the API rejected the key (401/403), 2 usage or no key.
`;

const OPTIONS = {
  model: { type: 'string', multiple: true },
  interval: { type: 'string' },
  jitter: { type: 'string' },
  timeout: { type: 'string' },
  'base-url': { type: 'string' },
  'status-url': { type: 'string' },
  'status-interval': { type: 'string' },
  'no-status': { type: 'boolean' },
  help: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

/** A problem with the command line or the environment (exit status 2). */
export class UsageError extends Error {}

export type Env = Readonly<Record<string, string | undefined>>;

/** Everything of {@link ProbeOptions} the command line sets (the key, clock and meter are the command's own). */
export type CliProbeOptions = Pick<ProbeOptions, 'models' | 'intervalMs' | 'jitter' | 'timeoutMs' | 'baseURL' | 'statusPage'>;

function seconds(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new UsageError(`${name} must be a number of seconds >= ${min}, got ${JSON.stringify(raw)}`);
  return Math.round(value * 1000);
}

const nonEmpty = (raw: string | undefined): string | undefined => (raw?.trim() ? raw.trim() : undefined);

/**
 * Reads the command line and the environment into the probe's options; a flag wins over its
 * variable. Throws a {@link UsageError} naming a bad value; returns `'help'` for `--help`.
 */
export function parseConfig(args: readonly string[], env: Env): CliProbeOptions | 'help' {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const models = values.model ?? nonEmpty(env.STORMWATCH_PROBE_MODELS)?.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  if (models !== undefined) {
    if (models.length === 0 || models.some((m) => m.trim().length === 0)) throw new UsageError(`--model must name a model, got ${JSON.stringify(values.model ?? env.STORMWATCH_PROBE_MODELS)}`);
    if (new Set(models).size !== models.length) throw new UsageError(`a model is named twice: ${models.join(', ')}`);
  }
  const intervalMs = seconds('--interval (STORMWATCH_PROBE_INTERVAL)', values.interval ?? env.STORMWATCH_PROBE_INTERVAL, 1);
  const timeoutMs = seconds('--timeout (STORMWATCH_PROBE_TIMEOUT)', values.timeout ?? env.STORMWATCH_PROBE_TIMEOUT, 0.001);
  const rawJitter = nonEmpty(values.jitter ?? env.STORMWATCH_PROBE_JITTER);
  const jitter = rawJitter === undefined ? undefined : Number(rawJitter);
  if (jitter !== undefined && !(Number.isFinite(jitter) && jitter >= 0 && jitter < 1)) throw new UsageError(`--jitter (STORMWATCH_PROBE_JITTER) must be a fraction in [0, 1), got ${JSON.stringify(rawJitter)}`);
  const baseURL = nonEmpty(values['base-url'] ?? env.ANTHROPIC_BASE_URL);
  const statusOff = values['no-status'] === true || ['off', 'false', '0', 'no'].includes((env.STORMWATCH_STATUS ?? '').trim().toLowerCase());
  const statusUrl = nonEmpty(values['status-url'] ?? env.STORMWATCH_STATUS_URL);
  if (statusUrl !== undefined && !/^https?:\/\/[^/]/i.test(statusUrl)) throw new UsageError(`--status-url (STORMWATCH_STATUS_URL) must be an http(s) URL, got ${JSON.stringify(statusUrl)}`);
  const statusIntervalMs = seconds('--status-interval (STORMWATCH_STATUS_INTERVAL)', values['status-interval'] ?? env.STORMWATCH_STATUS_INTERVAL, 1);
  return {
    ...(models === undefined ? {} : { models }),
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(jitter === undefined ? {} : { jitter }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(baseURL === undefined ? {} : { baseURL }),
    statusPage: statusOff ? false : { ...(statusUrl === undefined ? {} : { url: statusUrl }), ...(statusIntervalMs === undefined ? {} : { intervalMs: statusIntervalMs }) },
  };
}
