import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoPath } from '../../support/paths.js';
import { requireProgram } from '../../support/servers.js';
import { freePorts } from './ports.js';
import { ServerProcess } from './ServerProcess.js';

/**
 * The Prometheus flags the pipeline needs besides paths and addresses: the remote-write
 * receiver the collector writes to, and exemplar storage. deploy/compose.yaml passes the
 * same (checked by test/deploy/compose.test.ts).
 */
export const PROMETHEUS_PIPELINE_FLAGS: readonly string[] = Object.freeze([
  '--web.enable-remote-write-receiver',
  '--enable-feature=exemplar-storage',
]);

/** Where the running stack listens (all on 127.0.0.1). */
export interface StackEndpoints {
  /** OTLP/HTTP base URL of the collector, e.g. http://127.0.0.1:43121 */
  readonly otlpHttp: string;
  /** OTLP/gRPC address of the collector, e.g. http://127.0.0.1:43122 */
  readonly otlpGrpc: string;
  readonly tempo: string;
  readonly prometheus: string;
  readonly collectorHealth: string;
}

/** Options of {@link Stack.start}. */
export interface StackOptions {
  /** Directory for logs and data; created. */
  readonly runDir: string;
  /** Scale the alerts' `for` durations: minutes become seconds (default true). */
  readonly fastAlerts?: boolean;
  /** Start the collector with deploy/collector/spanmetrics.yaml too (default false). */
  readonly spanMetrics?: boolean;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; for?: string }[] }[];
}

/**
 * The test-only Prometheus configuration, derived from the shipped one: the same rule
 * files, evaluated every second, with the alerts' `for` durations read as seconds instead
 * of minutes (`3m` becomes `3s`) so that an alert can fire within a test. Everything else
 * (expressions, thresholds, labels, annotations) is the shipped file's.
 */
export function testPrometheusConfig(dir: string, fastAlerts: boolean): string {
  const shipped = parse(readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
  };
  const rulesDir = repoPath('deploy', 'prometheus');
  const ruleFiles = shipped.rule_files.map((f) => {
    const source = path.resolve(rulesDir, f);
    if (!fastAlerts) return source;
    const rules = parse(readFileSync(source, 'utf8')) as RuleFile;
    let changed = false;
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        if (rule.alert && rule.for) {
          rule.for = rule.for.replace(/^(\d+)m$/, '$1s');
          changed = true;
        }
      }
    }
    if (!changed) return source;
    const derived = path.join(dir, `fast-${path.basename(f)}`);
    writeFileSync(derived, stringify(rules));
    return derived;
  });
  const config = { ...shipped, global: { ...shipped.global, evaluation_interval: '1s' }, rule_files: ruleFiles };
  const file = path.join(dir, 'prometheus.test.yml');
  writeFileSync(file, stringify(config));
  return file;
}

/** Tempo, Prometheus and our collector, running on loopback with our config files. */
export class Stack {
  private constructor(
    readonly endpoints: StackEndpoints,
    readonly tempo: ServerProcess,
    readonly prometheus: ServerProcess,
    readonly collector: ServerProcess,
    private readonly dataDirs: readonly string[],
  ) {}

  /** Starts Tempo and Prometheus, then the collector that feeds them. */
  static async start(options: StackOptions): Promise<Stack> {
    const dir = options.runDir;
    const tempoData = path.join(dir, 'tempo-data');
    const promData = path.join(dir, 'prometheus-data');
    mkdirSync(tempoData, { recursive: true });
    mkdirSync(promData, { recursive: true });
    const [tempoHttp, tempoGrpc, tempoOtlp, tempoGossip, promPort, otlpGrpc, otlpHttp, health, collectorMetrics] =
      (await freePorts(9)) as [number, number, number, number, number, number, number, number, number];

    const tempo = new ServerProcess({
      name: 'tempo',
      command: requireProgram('tempo'),
      args: [`-config.file=${repoPath('deploy', 'tempo', 'tempo.yaml')}`, '-config.expand-env=true'],
      env: {
        TEMPO_HTTP_LISTEN_ADDRESS: '127.0.0.1',
        TEMPO_HTTP_PORT: String(tempoHttp),
        TEMPO_GRPC_LISTEN_ADDRESS: '127.0.0.1',
        TEMPO_GRPC_PORT: String(tempoGrpc),
        TEMPO_OTLP_GRPC_ENDPOINT: `127.0.0.1:${tempoOtlp}`,
        TEMPO_MEMBERLIST_PORT: String(tempoGossip),
        TEMPO_STORAGE_PATH: tempoData,
        // Make finished traces searchable within a second or two.
        TEMPO_TRACE_IDLE_PERIOD: '1s',
        TEMPO_FLUSH_CHECK_PERIOD: '1s',
      },
      readyUrl: `http://127.0.0.1:${tempoHttp}/ready`,
      logFile: path.join(dir, 'tempo.log'),
    });
    const prometheus = new ServerProcess({
      name: 'prometheus',
      command: requireProgram('prometheus'),
      args: [
        `--config.file=${testPrometheusConfig(dir, options.fastAlerts ?? true)}`,
        `--storage.tsdb.path=${promData}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        ...PROMETHEUS_PIPELINE_FLAGS,
      ],
      readyUrl: `http://127.0.0.1:${promPort}/-/ready`,
      logFile: path.join(dir, 'prometheus.log'),
    });
    const collector = new ServerProcess({
      name: 'otelcol-stormwatch',
      command: requireProgram('otelcol-stormwatch'),
      args: [
        `--config=file:${repoPath('deploy', 'collector', 'config.yaml')}`,
        ...(options.spanMetrics ? [`--config=file:${repoPath('deploy', 'collector', 'spanmetrics.yaml')}`] : []),
      ],
      env: {
        STORMWATCH_OTLP_GRPC_ENDPOINT: `127.0.0.1:${otlpGrpc}`,
        STORMWATCH_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpHttp}`,
        STORMWATCH_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
        STORMWATCH_TEMPO_OTLP_ENDPOINT: `127.0.0.1:${tempoOtlp}`,
        STORMWATCH_PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${promPort}/api/v1/write`,
        STORMWATCH_COLLECTOR_METRICS_HOST: '127.0.0.1',
        STORMWATCH_COLLECTOR_METRICS_PORT: String(collectorMetrics),
        STORMWATCH_BATCH_TIMEOUT: '200ms',
      },
      readyUrl: `http://127.0.0.1:${health}/`,
      logFile: path.join(dir, 'collector.log'),
    });

    const started: ServerProcess[] = [];
    try {
      await Promise.all([tempo.start().then(() => started.push(tempo)), prometheus.start().then(() => started.push(prometheus))]);
      await collector.start();
      started.push(collector);
    } catch (error) {
      await Promise.all([tempo, prometheus, collector].map((s) => s.stop()));
      throw error;
    }
    return new Stack(
      {
        otlpHttp: `http://127.0.0.1:${otlpHttp}`,
        otlpGrpc: `http://127.0.0.1:${otlpGrpc}`,
        tempo: `http://127.0.0.1:${tempoHttp}`,
        prometheus: `http://127.0.0.1:${promPort}`,
        collectorHealth: `http://127.0.0.1:${health}/`,
      },
      tempo,
      prometheus,
      collector,
      [tempoData, promData],
    );
  }

  /** Stops every server and removes their data (the logs stay in the run directory). */
  async stop(): Promise<void> {
    await this.collector.stop();
    await Promise.all([this.tempo.stop(), this.prometheus.stop()]);
    for (const d of this.dataDirs) rmSync(d, { recursive: true, force: true });
  }
}
