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

/** The test-only Jaeger configuration: OTLP gRPC in, memory storage, the query API. */
export const JAEGER_CONFIG = repoPath('test', 'jaeger', 'config.yaml');

/** Where the running stack listens (all on 127.0.0.1). */
export interface StackEndpoints {
  /** OTLP/HTTP base URL of the collector, e.g. http://127.0.0.1:43121 */
  readonly otlpHttp: string;
  /** OTLP/gRPC address of the collector, e.g. http://127.0.0.1:43122 */
  readonly otlpGrpc: string;
  /** Jaeger's query API (the trace store), e.g. http://127.0.0.1:43123 */
  readonly jaeger: string;
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

/**
 * Jaeger (the trace store), Prometheus and our collector, running on loopback with our
 * config files. The collector's trace exporter, which users point at Tempo
 * (`STORMWATCH_TEMPO_OTLP_ENDPOINT`), sends to Jaeger's OTLP gRPC receiver here: Tempo is
 * under the AGPL, so the tests neither build nor run it.
 */
export class Stack {
  private constructor(
    readonly endpoints: StackEndpoints,
    readonly jaeger: ServerProcess,
    readonly prometheus: ServerProcess,
    readonly collector: ServerProcess,
    private readonly dataDirs: readonly string[],
  ) {}

  /** Starts Jaeger and Prometheus, then the collector that feeds them. */
  static async start(options: StackOptions): Promise<Stack> {
    const dir = options.runDir;
    const promData = path.join(dir, 'prometheus-data');
    mkdirSync(promData, { recursive: true });
    const [jaegerQuery, jaegerQueryGrpc, jaegerOtlp, jaegerHealth, promPort, otlpGrpc, otlpHttp, health, collectorMetrics] =
      (await freePorts(9)) as [number, number, number, number, number, number, number, number, number];

    // Jaeger keeps the traces in memory: nothing to clean up but its log.
    const jaeger = new ServerProcess({
      name: 'jaeger',
      command: requireProgram('jaeger'),
      args: [`--config=file:${JAEGER_CONFIG}`],
      env: {
        JAEGER_OTLP_GRPC_ENDPOINT: `127.0.0.1:${jaegerOtlp}`,
        JAEGER_QUERY_HTTP_ENDPOINT: `127.0.0.1:${jaegerQuery}`,
        JAEGER_QUERY_GRPC_ENDPOINT: `127.0.0.1:${jaegerQueryGrpc}`,
        JAEGER_HEALTH_ENDPOINT: `127.0.0.1:${jaegerHealth}`,
      },
      readyUrl: `http://127.0.0.1:${jaegerHealth}/`,
      logFile: path.join(dir, 'jaeger.log'),
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
        // The exporter named otlp_grpc/tempo, pointed at Jaeger's OTLP gRPC receiver.
        STORMWATCH_TEMPO_OTLP_ENDPOINT: `127.0.0.1:${jaegerOtlp}`,
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
      await Promise.all([jaeger.start().then(() => started.push(jaeger)), prometheus.start().then(() => started.push(prometheus))]);
      await collector.start();
      started.push(collector);
    } catch (error) {
      await Promise.all([jaeger, prometheus, collector].map((s) => s.stop()));
      throw error;
    }
    return new Stack(
      {
        otlpHttp: `http://127.0.0.1:${otlpHttp}`,
        otlpGrpc: `http://127.0.0.1:${otlpGrpc}`,
        jaeger: `http://127.0.0.1:${jaegerQuery}`,
        prometheus: `http://127.0.0.1:${promPort}`,
        collectorHealth: `http://127.0.0.1:${health}/`,
      },
      jaeger,
      prometheus,
      collector,
      [promData],
    );
  }

  /** Stops every server and removes their data (the logs stay in the run directory). */
  async stop(): Promise<void> {
    await this.collector.stop();
    await Promise.all([this.jaeger.stop(), this.prometheus.stop()]);
    for (const d of this.dataDirs) rmSync(d, { recursive: true, force: true });
  }
}
