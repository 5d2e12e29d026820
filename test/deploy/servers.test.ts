import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from '../support/paths.js';
import { pinnedCollectorVersion, pinnedTempoVersion } from '../support/versions.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { run } from '../support/run.js';

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
    expect(result.stderr).toContain(`missing: ${empty}/tempo-v`);
    expect(result.stderr).toContain(`missing: ${empty}/helm-v3.21.4/helm`);
  });

  it('pins every collector module to the same core version', () => {
    expect(pinnedModules.length).toBe(9);
    for (const gomod of pinnedModules) expect(gomod, gomod).toMatch(/ v(0\.162\.0|1\.68\.0)$/);
    expect(pinnedCollectorVersion()).toBe('0.162.0');
  });
});

describe.runIf(serversAvailable('otelcol-stormwatch', 'tempo', 'helm'))('the servers scripts/servers.sh built', () => {
  it('are cached under directories named after their pins', async () => {
    const result = await run('bash', [SCRIPT, '--print']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`/otelcol-v${pinnedCollectorVersion().replace(/\./g, '\\.')}-[0-9a-f]{12}/otelcol-stormwatch\\n`));
    expect(result.stdout).toMatch(/\/tempo-v1\.5\.1-0\.\d{14}-[0-9a-f]{12}\/tempo\n/);
  });

  it('built the collector with exactly the components of our manifest', async () => {
    const result = await run(requireProgram('otelcol-stormwatch'), ['components']);
    expect(result.code, result.stderr).toBe(0);
    const modules = [...result.stdout.matchAll(/module: (\S+ \S+)/g)].map((m) => m[1]);
    expect(modules.sort()).toEqual([...pinnedModules].sort());
  });

  it('built the pinned Tempo release', async () => {
    const result = await run(requireProgram('tempo'), ['-version']);
    expect(result.stdout + result.stderr).toContain(`tempo, version v${pinnedTempoVersion()}`);
  });
});
