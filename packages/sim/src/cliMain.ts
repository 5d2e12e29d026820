/**
 * The storm lab's command line (`npm run demo`, `stormwatch-sim`). Everything but the
 * process itself is injected, so tests run it in-process.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compare, type Comparison } from './compare.js';
import { ALL_POLICIES, EXTRA_POLICIES, storeUserIds } from './policies/index.js';
import type { PolicyUnderTest } from './policies/PolicyUnderTest.js';
import { ProgressBar, type ProgressSink } from './progressBar.js';
import { renderHtmlReport } from './report/html.js';
import { columnsFor, formatMarkdownTable, formatTextTable } from './report/table.js';
import { TARGET_SCENARIO, targetsFor, targetsHeading } from './report/targets.js';
import { SCENARIOS, scenarioByName } from './scenarios/index.js';
import type { Scenario } from './scenarios/Scenario.js';
import { UsageError, isUsageError } from './UsageError.js';
import { redactRedisUrl, redisUrlProblem } from './live/redisUrl.js';

export interface CliIo {
  readonly stdout: { write(text: string): void };
  readonly stderr: ProgressSink;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Runs `--live` (injected so the CLI stays testable without a server). */
  readonly live?: (options: LiveCliOptions) => Promise<number>;
}

export interface LiveCliOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly policy: PolicyUnderTest;
  readonly port: number;
  /** `--processes`: run the clients in this many worker processes (the live fleet); undefined, in this process. */
  readonly processes: number | undefined;
  /** `--redis`: a Redis URL or `auto`, with `processes` only. */
  readonly redis: string | undefined;
  readonly io: CliIo;
}

export const HELP = `stormwatch-sim: the storm lab. Runs a simulated overloaded Anthropic service in
virtual time against the real @anthropic-ai/sdk and the real retry policies, and
compares what each policy does to the service and to the bill.

Usage: npm run demo -- [options]        (or: node packages/sim/dist/cli.js [options])

Options:
  --scenario <name>   scenario to run, or "all" (default: storm-50)
                      ${SCENARIOS.map((s) => s.name).join(', ')}
  --seed <n>          random seed, an integer >= 0; same seed, same numbers (default: 1)
  --clients <n>       number of clients (each keeps its own call rate, so the load
                      scales with it) (default: the scenario's)
  --fleet <kind>      open (Poisson arrivals) or closed (workers that wait and think)
                      (default: the scenario's)
  --policies <ids>    comma-separated subset of: ${ALL_POLICIES.map((p) => p.id).join(', ')}
                      (default: all but ${EXTRA_POLICIES.map((p) => p.id).join(', ')}, which run
                      only in the scenarios made for them; the oracle always runs)
  --out <path>        HTML report file; with --scenario all, a directory
                      (default: reports/<scenario>.html)
  --json <path>       also write the figures as JSON (with --scenario all, a directory)
  --markdown          print the table as Markdown instead of plain text
  --live              run one policy in real time (the scenario's full length)
                      against a local HTTP server on 127.0.0.1 serving the scenario;
                      with OTEL_EXPORTER_OTLP_ENDPOINT set, the policy's spans and
                      metrics are exported over OTLP (@stormwatch/node)
  --policy <id>       with --live: the policy to run (default: stormwatch); --policies
                      does not apply
  --port <n>          with --live: port of the local server (default: 0, any free port)
  --processes <n>     with --live: split the clients among n worker processes, as a
                      fleet of services (at most the scenario's clients)
  --redis <url|auto>  with --processes: the processes share their overload state
                      through this Redis (redis:// or rediss://; one store per process,
                      which only the Stormwatch policies use: with another --policy
                      it is an error); "auto" starts a private
                      redis-server on a free port for the run and stops it after
  -h, --help          show this help

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(19)}${s.title}`).join('\n')}
`;

interface Parsed {
  readonly scenarios: Scenario[];
  readonly seed: number;
  /** Undefined: each scenario's default rows. */
  readonly policies: PolicyUnderTest[] | undefined;
  readonly out: string | undefined;
  readonly json: string | undefined;
  readonly markdown: boolean;
  readonly live: boolean;
  readonly livePolicy: PolicyUnderTest;
  readonly port: number;
  readonly processes: number | undefined;
  readonly redis: string | undefined;
  readonly help: boolean;
}

function integer(name: string, raw: string | undefined, min: number, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return Number(raw);
}

function policyById(id: string): PolicyUnderTest {
  const found = ALL_POLICIES.find((p) => p.id === id);
  if (found === undefined) throw new UsageError(`unknown policy "${id}"; known: ${ALL_POLICIES.map((p) => p.id).join(', ')}`);
  return found;
}

export function parseCli(argv: readonly string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        seed: { type: 'string' },
        clients: { type: 'string' },
        fleet: { type: 'string' },
        policies: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'string' },
        markdown: { type: 'boolean' },
        live: { type: 'boolean' },
        policy: { type: 'string' },
        port: { type: 'string' },
        processes: { type: 'string' },
        redis: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const name = values.scenario ?? 'storm-50';
  let scenarios: Scenario[];
  if (name === 'all') scenarios = [...SCENARIOS];
  else {
    try {
      scenarios = [scenarioByName(name)];
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const clients = values.clients === undefined ? undefined : integer('clients', values.clients, 1, 0);
  if (clients !== undefined && clients > 10_000) throw new UsageError(`--clients must be at most 10000, got "${values.clients}"`);
  const fleet = values.fleet;
  if (fleet !== undefined && fleet !== 'open' && fleet !== 'closed') {
    throw new UsageError(`--fleet must be "open" or "closed", got "${fleet}"`);
  }
  scenarios = scenarios.map((s) => ({
    ...s,
    fleet: {
      ...s.fleet,
      ...(clients === undefined ? {} : { clients }),
      ...(fleet === undefined ? {} : { kind: fleet, thinkTimeS: s.fleet.thinkTimeS ?? 4, callsPerSecond: s.fleet.callsPerSecond ?? 0.2 }),
    },
  }));
  const policies =
    values.policies === undefined
      ? undefined
      : values.policies
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '')
          .map(policyById);
  if (policies !== undefined && policies.length === 0) throw new UsageError('--policies names no policy');
  const port = integer('port', values.port, 0, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got "${values.port}"`);
  if (values.live !== true && (values.policy !== undefined || values.port !== undefined)) {
    throw new UsageError('--policy and --port apply only with --live');
  }
  if (values.live !== true && (values.processes !== undefined || values.redis !== undefined)) {
    throw new UsageError('--processes and --redis apply only with --live');
  }
  if (values.live === true && scenarios.length > 1) throw new UsageError('--live runs one scenario; --scenario all is not allowed');
  const processes = values.processes === undefined ? undefined : integer('processes', values.processes, 1, 1);
  if (processes !== undefined && processes > scenarios[0]!.fleet.clients) {
    throw new UsageError(`--processes must be at most the scenario's ${scenarios[0]!.fleet.clients} clients, got "${values.processes}"`);
  }
  if (values.redis !== undefined && processes === undefined) throw new UsageError('--redis applies only with --processes (the live fleet)');
  if (values.live === true && values.policies !== undefined) {
    throw new UsageError('--policies chooses the rows of a comparison; --live runs one policy, chosen with --policy');
  }
  const livePolicy = policyById(values.policy ?? 'stormwatch');
  if (values.redis !== undefined && livePolicy.usesStore !== true) {
    throw new UsageError(`--redis shares overload state that --policy ${livePolicy.id} does not keep; it applies to ${storeUserIds()}`);
  }
  const redisProblem = values.redis === undefined || values.redis === 'auto' ? undefined : redisUrlProblem(values.redis);
  if (redisProblem !== undefined) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL or "auto"; "${redactRedisUrl(values.redis!)}" ${redisProblem}`);
  }
  return {
    scenarios,
    seed: integer('seed', values.seed, 0, 1),
    policies,
    out: values.out,
    json: values.json,
    markdown: values.markdown === true,
    live: values.live === true,
    livePolicy,
    port,
    processes,
    redis: values.redis,
    help: values.help === true,
  };
}

/** The figures of a comparison as JSON (timelines left out). */
export function comparisonJson(c: Comparison): unknown {
  return {
    scenario: c.scenario,
    seed: c.seed,
    results: c.results.map((r) => ({ policyId: r.policyId, label: r.label, description: r.description, figures: r.figures })),
    targets: targetsFor(c),
  };
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    io.stderr.write(`stormwatch-sim: ${error.message}\nTry --help for the options.\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (parsed.live) {
    if (io.live === undefined) {
      io.stderr.write('stormwatch-sim: --live is not available in this build\n');
      return 1;
    }
    return io.live({
      scenario: parsed.scenarios[0]!,
      seed: parsed.seed,
      policy: parsed.livePolicy,
      port: parsed.port,
      processes: parsed.processes,
      redis: parsed.redis,
      io,
    });
  }
  const many = parsed.scenarios.length > 1;
  for (const scenario of parsed.scenarios) {
    const bar = new ProgressBar(io.stderr, scenario.name);
    const comparison = await compare({
      scenario,
      seed: parsed.seed,
      ...(parsed.policies === undefined ? {} : { policies: parsed.policies }),
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const figures = comparison.results.map((r) => r.figures);
    const columns = columnsFor(scenario);
    const table = parsed.markdown ? formatMarkdownTable(figures, columns) : formatTextTable(figures, columns);
    io.stdout.write(`\n${scenario.name}: ${scenario.title} (seed ${parsed.seed}, ${scenario.fleet.clients} clients)\n\n${table}\n\n`);
    const targets = targetsFor(comparison);
    if (scenario.name === TARGET_SCENARIO || targets.length > 0) io.stdout.write(`${targetsHeading(scenario.name)}:\n`);
    for (const t of targets) {
      io.stdout.write(`${t.met ? 'met   ' : 'missed'}  ${t.name}: ${t.value} (target ${t.target})\n`);
    }
    const reportPath = resolve(
      io.cwd,
      many ? resolve(parsed.out ?? 'reports', `${scenario.name}.html`) : (parsed.out ?? `reports/${scenario.name}.html`),
    );
    await write(reportPath, renderHtmlReport(comparison));
    if (parsed.json !== undefined) {
      const jsonPath = resolve(io.cwd, many ? resolve(parsed.json, `${scenario.name}.json`) : parsed.json);
      await write(jsonPath, `${JSON.stringify(comparisonJson(comparison), null, 2)}\n`);
    }
    io.stdout.write(`\nReport: ${reportPath}\n`);
  }
  return 0;
}
