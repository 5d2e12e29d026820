export const testIds = {
  emptyState: 'stormwatch-empty-state',
  queryError: 'stormwatch-query-error',
  datasourceProblem: 'stormwatch-datasource-problem',
  pageLinks: 'stormwatch-page-links',
  appConfig: {
    container: 'stormwatch-config',
    prometheus: 'stormwatch-config-prometheus',
    tempo: 'stormwatch-config-tempo',
    amplification: 'stormwatch-config-amplification',
    overloadRatio: 'stormwatch-config-overload-ratio',
    minDuration: 'stormwatch-config-min-duration',
    dailyBudget: 'stormwatch-config-daily-budget',
    submit: 'stormwatch-config-submit',
    error: 'stormwatch-config-error',
  },
};
