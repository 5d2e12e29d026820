import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from '../support/paths.js';
import { pinnedCollectorVersion, pinnedJaegerVersion } from '../support/versions.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { run } from '../support/run.js';
import { JAEGER_CONFIG } from '../e2e/support/Stack.js';

const SCRIPT = repoPath('scripts', 'servers.sh');
const manifest = parse(readFileSync(repoPath('deploy', 'collector', 'builder-config.yaml'), 'utf8')) as Record<
  string,
  { gomod: string }[] | Record<string, string>
>;
/** Every `module version` the ocb manifest pins. */
const pinnedModules = ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'providers'].flatMap((kind) =>
  ((manifest[kind] as { gomod: string }[] | undefined) ?? []).map((c) => c.gomod),
);

describe('scripts/servers.sh', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'stormwatch-servers-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('--print names what is missing in an empty cache, and fails', async () => {
    const result = await run('bash', [SCRIPT, '--print'], { env: { STORMWATCH_SERVERS_DIR: empty } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`missing: ${empty}/otelcol-v${pinnedCollectorVersion()}-`);
    expect(result.stderr).toContain(`missing: ${empty}/jaeger-${pinnedJaegerVersion()}-`);
    expect(result.stderr).toContain(`missing: ${empty}/helm-v3.21.4/helm`);
  });

  it('pins every collector module to the same core version', () => {
    expect(pinnedModules.length).toBe(9);
    for (const gomod of pinnedModules) expect(gomod, gomod).toMatch(/ v(0\.162\.0|1\.68\.0)$/);
    expect(pinnedCollectorVersion()).toBe('0.162.0');
  });
});

describe('nothing the tests build is under the AGPL', () => {
  it('the scripts and Go modules name no Tempo, Grafana, Loki or k6 module', () => {
    const files = [SCRIPT, repoPath('.ci', 'run'), repoPath('test', 'jaeger', 'go.mod'), repoPath('test', 'jaeger', 'go.sum'), repoPath('deploy', 'collector', 'builder-config.yaml')];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // github.com/grafana/regexp (BSD-3-Clause, a fork of Go's regexp) is fine.
      expect(text.match(/github\.com\/grafana\/(tempo|grafana|loki|k6)\b|go\.k6\.io\/k6/g) ?? [], file).toEqual([]);
    }
    expect(existsSync(repoPath('deploy', 'tempo', 'build')), 'deploy/tempo/build').toBe(false);
  });

  it('the Jaeger wrapper module pins the approved Jaeger release as its only tool', () => {
    const gomod = readFileSync(repoPath('test', 'jaeger', 'go.mod'), 'utf8');
    expect(pinnedJaegerVersion()).toBe('v1.75.0');
    expect([...gomod.matchAll(/^tool (\S+)$/gm)].map((m) => m[1])).toEqual(['github.com/jaegertracing/jaeger/cmd/jaeger']);
    expect(readFileSync(repoPath('test', 'jaeger', 'go.sum'), 'utf8')).toContain(`github.com/jaegertracing/jaeger ${pinnedJaegerVersion()} h1:`);
  });
});

describe.runIf(serversAvailable('otelcol-stormwatch', 'jaeger', 'helm'))('the servers scripts/servers.sh built', () => {
  it('are cached under directories named after their pins', async () => {
    const result = await run('bash', [SCRIPT, '--print']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`/otelcol-v${pinnedCollectorVersion().replace(/\./g, '\\.')}-[0-9a-f]{12}/otelcol-stormwatch\\n`));
    expect(result.stdout).toMatch(new RegExp(`/jaeger-${pinnedJaegerVersion().replace(/\./g, '\\.')}-[0-9a-f]{12}/jaeger\\n`));
    expect(result.stdout).not.toMatch(/tempo/);
  });

  it('built the collector with exactly the components of our manifest', async () => {
    const result = await run(requireProgram('otelcol-stormwatch'), ['components']);
    expect(result.code, result.stderr).toBe(0);
    const modules = [...result.stdout.matchAll(/module: (\S+ \S+)/g)].map((m) => m[1]);
    expect(modules.sort()).toEqual([...pinnedModules].sort());
  });

  it('built the pinned Jaeger release', async () => {
    const result = await run(requireProgram('jaeger'), ['version']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain(`"gitVersion":"${pinnedJaegerVersion()}"`);
  });

  it('built a Jaeger that accepts the test config (and would reject a broken one)', async () => {
    const good = await run(requireProgram('jaeger'), ['validate', `--config=file:${JAEGER_CONFIG}`], {
      env: {
        JAEGER_OTLP_GRPC_ENDPOINT: '127.0.0.1:1',
        JAEGER_QUERY_HTTP_ENDPOINT: '127.0.0.1:2',
        JAEGER_QUERY_GRPC_ENDPOINT: '127.0.0.1:3',
        JAEGER_HEALTH_ENDPOINT: '127.0.0.1:4',
      },
    });
    expect(good.code, good.stderr).toBe(0);
    const broken = await run(requireProgram('jaeger'), ['validate', '--config=yaml:extensions::jaeger_storage::backends::x::memory::max_traces: [1]']);
    expect(broken.code).not.toBe(0);
  });
});

describe('the test task under turbo', () => {
  it('passes the end-to-end switches through (turbo hides every variable it is not told of)', () => {
    // Without them CI's STORMWATCH_E2E=1 and its server cache never reach the tests, and the
    // end-to-end suites skip quietly on a clean clone instead of running or failing.
    const turbo = JSON.parse(readFileSync(repoPath('turbo.json'), 'utf8')) as { tasks: { test: { passThroughEnv?: string[] } } };
    expect(turbo.tasks.test.passThroughEnv).toEqual(expect.arrayContaining(['STORMWATCH_E2E', 'STORMWATCH_SERVERS_DIR', 'CHROMIUM_PATH']));
    // The adopter test installs from the registry: the machine's CA bundle and proxy settings reach npm.
    expect(turbo.tasks.test.passThroughEnv).toEqual(expect.arrayContaining(['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'npm_config_*']));
    expect(turbo.tasks.test.passThroughEnv).not.toContain('STORMWATCH_REDIS_URL'); // the storm lab's rows must not share a Redis by accident
  });
});
