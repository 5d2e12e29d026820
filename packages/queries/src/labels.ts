import {
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_ATTEMPT_RETRY,
  ATTR_BREAKER_FROM,
  ATTR_BREAKER_KEY,
  ATTR_BREAKER_TO,
  ATTR_CALL_OUTCOME,
  ATTR_COST_KIND,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_FROM_MODEL,
  ATTR_FALLBACK_REASON,
  ATTR_FALLBACK_TO_MODEL,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_WASTE_KIND,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  PROM_LABEL_INSTANCE,
  PROM_LABEL_SERVICE,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';

/** Prometheus labels the queries group and filter by, all derived from the conventions. */
export const LABEL = Object.freeze({
  SERVICE: PROM_LABEL_SERVICE,
  INSTANCE: PROM_LABEL_INSTANCE,
  MODEL: prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL),
  POLICY: prometheusLabel(ATTR_POLICY),
  CALL_OUTCOME: prometheusLabel(ATTR_CALL_OUTCOME),
  ATTEMPT_OUTCOME: prometheusLabel(ATTR_ATTEMPT_OUTCOME),
  ATTEMPT_RETRY: prometheusLabel(ATTR_ATTEMPT_RETRY),
  ERROR_TYPE: prometheusLabel(ATTR_ERROR_TYPE),
  COST_KIND: prometheusLabel(ATTR_COST_KIND),
  WASTE_KIND: prometheusLabel(ATTR_WASTE_KIND),
  TOKEN_TYPE: prometheusLabel(ATTR_GEN_AI_TOKEN_TYPE),
  BREAKER_KEY: prometheusLabel(ATTR_BREAKER_KEY),
  BREAKER_FROM: prometheusLabel(ATTR_BREAKER_FROM),
  BREAKER_TO: prometheusLabel(ATTR_BREAKER_TO),
  FALLBACK_FROM: prometheusLabel(ATTR_FALLBACK_FROM_MODEL),
  FALLBACK_TO: prometheusLabel(ATTR_FALLBACK_TO_MODEL),
  FALLBACK_REASON: prometheusLabel(ATTR_FALLBACK_REASON),
  DELAY_SOURCE: prometheusLabel(ATTR_RETRY_DELAY_SOURCE),
  ADMISSION_OUTCOME: prometheusLabel(ATTR_ADMISSION_OUTCOME),
  REFUSAL_REASON: prometheusLabel(ATTR_ADMISSION_REFUSAL_REASON),
  STORE_REASON: prometheusLabel(ATTR_STORE_REASON),
  STORE_OPERATION: prometheusLabel(ATTR_STORE_OPERATION),
  LE: 'le',
} as const);

/** The Prometheus series name of a contract metric (`stormwatch.calls` → `stormwatch_calls_total`). */
export function promMetric(name: string, suffix: '' | '_bucket' | '_sum' | '_count' = ''): string {
  return metricDefinition(name).prometheusName + suffix;
}
