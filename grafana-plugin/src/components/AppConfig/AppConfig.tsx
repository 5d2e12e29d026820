import React, { useState, type ChangeEvent } from 'react';
import { lastValueFrom } from 'rxjs';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, locationService } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input } from '@grafana/ui';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { applyDatasourceDefaults } from '../../dashboards/datasourceDefaults';
import { resolveSettings, type AppSettings } from '../../settings';
import { testIds } from '../testIds';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface FormState {
  prometheusDatasourceUid?: string;
  tempoDatasourceUid?: string;
  amplification: string;
  overloadRatio: string;
  minDurationS: string;
  /** Daily budget in USD; empty for none. */
  dailyBudgetUsd: string;
}

/** Builds the jsonData to save from the form; throws RangeError on a bad threshold or budget. */
export function formToJsonData(form: FormState): AppSettings {
  const budget = form.dailyBudgetUsd.trim();
  // Checked as typed, so that the message quotes it ("abc", not NaN).
  resolveSettings({ dailyBudgetUsd: budget as unknown as number });
  const jsonData: AppSettings = {
    prometheusDatasourceUid: form.prometheusDatasourceUid,
    tempoDatasourceUid: form.tempoDatasourceUid,
    stormThresholds: {
      amplification: Number(form.amplification),
      overloadRatio: Number(form.overloadRatio),
      minDurationMs: Number(form.minDurationS) * 1000,
    },
    ...(budget ? { dailyBudgetUsd: Number(budget) } : {}),
  };
  resolveSettings(jsonData);
  return jsonData;
}

/** Configuration page: the Prometheus and Tempo datasources, the storm thresholds and the daily budget (jsonData, no secrets). */
export default function AppConfig({ plugin }: AppConfigProps) {
  const { enabled, pinned, jsonData } = plugin.meta;
  const t = { ...DEFAULT_STORM_THRESHOLDS, ...(jsonData?.stormThresholds ?? {}) };
  const [form, setForm] = useState<FormState>({
    prometheusDatasourceUid: jsonData?.prometheusDatasourceUid,
    tempoDatasourceUid: jsonData?.tempoDatasourceUid,
    amplification: String(t.amplification),
    overloadRatio: String(t.overloadRatio),
    minDurationS: String(t.minDurationMs / 1000),
    dailyBudgetUsd: jsonData?.dailyBudgetUsd === undefined ? '' : String(jsonData.dailyBudgetUsd),
  });
  const [error, setError] = useState<{ title: string; message: string } | undefined>();
  const text =
    (key: 'amplification' | 'overloadRatio' | 'minDurationS' | 'dailyBudgetUsd') =>
    (e: ChangeEvent<HTMLInputElement>) =>
      setForm({ ...form, [key]: e.target.value });

  const onSubmit = async () => {
    let data: AppSettings;
    try {
      data = formToJsonData(form);
    } catch (e) {
      setError({ title: 'Invalid settings', message: (e as Error).message });
      return;
    }
    setError(undefined);
    await lastValueFrom(
      getBackendSrv().fetch({
        url: `/api/plugins/${plugin.meta.id}/settings`,
        method: 'POST',
        data: { enabled, pinned, jsonData: data },
      })
    );
    // The bundled dashboards already imported default to the chosen datasources from now on.
    try {
      await applyDatasourceDefaults(resolveSettings(data), getBackendSrv());
    } catch (e) {
      const reason = (e as { data?: { message?: string }; message?: string }).data?.message ?? (e as Error).message;
      setError({
        title: 'Settings saved; dashboards not updated',
        message: `The imported Stormwatch dashboards still default to their previous datasources: ${reason}`,
      });
      return;
    }
    locationService.reload();
  };

  return (
    <div data-testid={testIds.appConfig.container}>
      <FieldSet label="Datasources">
        <Field
          label="Prometheus"
          description="Where the collector writes Stormwatch metrics and the recording rules run. Saving also makes it the default of the imported Stormwatch dashboards."
        >
          <div data-testid={testIds.appConfig.prometheus}>
            <DataSourcePicker
              pluginId="prometheus"
              current={form.prometheusDatasourceUid}
              onChange={(ds) => setForm({ ...form, prometheusDatasourceUid: ds.uid })}
              noDefault
            />
          </div>
        </Field>
        <Field
          label="Tempo"
          description="Where the collector writes Stormwatch traces. Saving also makes it the default of the imported Stormwatch dashboards."
        >
          <div data-testid={testIds.appConfig.tempo}>
            <DataSourcePicker
              pluginId="tempo"
              current={form.tempoDatasourceUid}
              onChange={(ds) => setForm({ ...form, tempoDatasourceUid: ds.uid })}
              noDefault
            />
          </div>
        </Field>
      </FieldSet>
      <FieldSet label="Storm thresholds">
        <Field label="Retry amplification" description="Attempts per call above which a storm starts (default 2).">
          <Input
            data-testid={testIds.appConfig.amplification}
            value={form.amplification}
            onChange={text('amplification')}
            width={20}
          />
        </Field>
        <Field
          label="Overload ratio"
          description="Share of 529 answers (0..1) above which a storm starts (default 0.2)."
        >
          <Input
            data-testid={testIds.appConfig.overloadRatio}
            value={form.overloadRatio}
            onChange={text('overloadRatio')}
            width={20}
          />
        </Field>
        <Field label="Minimum duration (s)" description="Shorter storms are ignored (default 60).">
          <Input
            data-testid={testIds.appConfig.minDuration}
            value={form.minDurationS}
            onChange={text('minDurationS')}
            width={20}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Cost">
        <Field
          label="Daily budget (USD)"
          description="Optional. The Cost page turns red above it: USD/day at the current rate, projected USD today, and USD/h above a 24th of it (a line on the USD/h graph)."
        >
          <Input
            data-testid={testIds.appConfig.dailyBudget}
            value={form.dailyBudgetUsd}
            onChange={text('dailyBudgetUsd')}
            placeholder="none"
            width={20}
          />
        </Field>
      </FieldSet>
      {error && (
        <div data-testid={testIds.appConfig.error}>
          <Alert severity="error" title={error.title}>
            {error.message}
          </Alert>
        </div>
      )}
      <Button data-testid={testIds.appConfig.submit} onClick={onSubmit}>
        Save settings
      </Button>
    </div>
  );
}
