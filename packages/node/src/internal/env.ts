import { diag } from '@opentelemetry/api';

/**
 * Reads the standard `OTEL_*` variables `start()` honours. A malformed value is reported
 * through `diag` and ignored: a typo in the environment must not stop the service.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function envString(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (raw) return raw;
  }
  return undefined;
}

/** The first of `names` holding a positive integer; malformed values are skipped with a warning. */
export function envPositiveInt(env: Env, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (Number.isInteger(value) && value > 0) return value;
    diag.warn(`@stormwatch/node: ignoring ${name}="${raw}", expected a positive integer`);
  }
  return undefined;
}

/** `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER`: false only for `none`. */
export function envExporterEnabled(env: Env, name: string): boolean {
  const raw = envString(env, name);
  if (raw === undefined) return true;
  const values = raw.split(',').map((v) => v.trim().toLowerCase());
  if (values.includes('none')) return false;
  if (!values.includes('otlp')) diag.warn(`@stormwatch/node: ${name}="${raw}" is not supported here; exporting with otlp`);
  return true;
}
