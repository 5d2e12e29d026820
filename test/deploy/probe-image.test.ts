import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { repoPath } from '../support/paths.js';
import { run } from '../support/run.js';

/*
 * packages/probe/Dockerfile cannot be built here (no docker engine): this test reads its
 * instructions, and runs what its two stages do — `npm pack` of the workspace packages it
 * names, `npm install` of the tarballs with its flags into a clean directory — then starts
 * the installed entrypoint against a local fake API.
 */

const DOCKERFILE = repoPath('packages', 'probe', 'Dockerfile');
const ENTRYPOINT = '/opt/stormwatch-probe/node_modules/.bin/stormwatch-probe';

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile's instructions: continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  return lines
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(readFileSync(DOCKERFILE, 'utf8'));
const stages = all.reduce<Instruction[][]>((acc, i) => (i.op === 'FROM' ? [...acc, [i]] : (acc.at(-1)?.push(i), acc)), []);
const finalStage = stages.at(-1) ?? [];
const argValue = (name: string) => /^\w+="?([^"]*)"?$/.exec(all.find((i) => i.op === 'ARG' && i.args.startsWith(`${name}=`))?.args ?? '')?.[1];
const PACKAGES = (argValue('PACKAGES') ?? '').split(/\s+/).filter(Boolean);

interface Manifest {
  name: string;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const manifestOf = (dir: string) => JSON.parse(readFileSync(repoPath(dir, 'package.json'), 'utf8')) as Manifest;
const dirOf = new Map(readdirSync(repoPath('packages')).map((d) => [manifestOf(`packages/${d}`).name, `packages/${d}`]));

/** The workspace packages `name` needs at run time (dependencies and required peers), deepest first. */
function workspaceClosure(name: string, seen: string[] = []): string[] {
  const m = manifestOf(dirOf.get(name) ?? '');
  const optional = new Set(Object.entries(m.peerDependenciesMeta ?? {}).filter(([, v]) => v.optional).map(([k]) => k));
  const needs = [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {}).filter((p) => !optional.has(p))];
  for (const dep of needs) if (dirOf.has(dep) && !seen.includes(dep)) workspaceClosure(dep, seen);
  if (!seen.includes(name)) seen.push(name);
  return seen;
}

describe('packages/probe/Dockerfile (structure)', () => {
  it('builds and runs on node:24-slim, in two stages', () => {
    expect(argValue('NODE_IMAGE')).toBe('node:24-slim');
    expect(stages.map((s) => s[0]?.args)).toEqual(['${NODE_IMAGE} AS pack', '${NODE_IMAGE}']);
  });

  it('packs exactly the workspace packages the probe needs, each after those it depends on', () => {
    const closure = workspaceClosure('@stormwatch/probe').map((n) => dirOf.get(n));
    expect([...PACKAGES].sort()).toEqual([...closure].sort());
    const position = (name: string) => PACKAGES.indexOf(dirOf.get(name) ?? '');
    for (const dir of PACKAGES) {
      const m = manifestOf(dir);
      for (const dep of Object.keys(m.dependencies ?? {})) if (dirOf.has(dep)) expect(position(dep), `${dep} before ${m.name}`).toBeLessThan(PACKAGES.indexOf(dir));
    }
  });

  it('runs as a numeric non-root user, with the stormwatch-probe bin as its entrypoint', () => {
    const users = finalStage.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBe(1);
    const [uid, gid] = (users[0] ?? '').split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const entrypoint = finalStage.filter((i) => i.op === 'ENTRYPOINT');
    expect(entrypoint.length).toBe(1);
    expect(JSON.parse(entrypoint[0]?.args ?? '')).toEqual([ENTRYPOINT]);
    expect(Object.keys(manifestOf('packages/probe').bin ?? {})).toEqual([path.basename(ENTRYPOINT)]);
    // USER comes after every step that writes as root.
    expect(finalStage.findIndex((i) => i.op === 'USER')).toBeGreaterThan(finalStage.findLastIndex((i) => i.op === 'RUN'));
  });

  it('installs production dependencies only, and leaves the monorepo out of the image', () => {
    expect(finalStage.some((i) => i.op === 'ENV' && i.args === 'NODE_ENV=production')).toBe(true);
    const install = finalStage.find((i) => i.op === 'RUN' && i.args.includes('npm install'));
    expect(install?.args).toContain('--omit=dev');
    expect(finalStage.filter((i) => i.op === 'COPY').map((i) => i.args)).toEqual(['--from=pack /pack/ /tmp/pack/']);
    const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8');
    for (const pattern of ['**/node_modules', '**/dist', '.git']) expect(ignore.split('\n')).toContain(pattern);
  });
});

describe('packages/probe/Dockerfile (its steps, without docker)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'stormwatch-probe-image-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const app = path.join(scratch, 'opt', 'stormwatch-probe');
  const bin = path.join(scratch, ENTRYPOINT);

  it('packs the packages and installs the tarballs into a working stormwatch-probe', { timeout: 240_000 }, async () => {
    for (const dir of PACKAGES) expect(existsSync(repoPath(dir, 'dist')), `${dir}/dist: build first (npx turbo run build --filter=@stormwatch/probe...)`).toBe(true);
    const pack = path.join(scratch, 'pack');
    mkdirSync(pack, { recursive: true });
    const packed = await run('npm', ['pack', '--pack-destination', pack, ...PACKAGES.flatMap((p) => ['-w', p])], { cwd: repoPath() });
    expect(packed.code, packed.stderr).toBe(0);
    const tarballs = readdirSync(pack).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.length).toBe(PACKAGES.length);

    mkdirSync(app, { recursive: true });
    const install = finalStage.find((i) => i.op === 'RUN' && i.args.includes('npm install'))?.args ?? '';
    const [manifestStep] = install.split('&&');
    const manifest = /echo '([^']*)'/.exec(manifestStep ?? '')?.[1] ?? '';
    writeFileSync(path.join(app, 'package.json'), manifest);
    const flags = (/npm install (.*?) \/tmp\/pack/.exec(install)?.[1] ?? '').split(/\s+/);
    expect(flags).toContain('--omit=dev');
    const installed = await run('npm', ['install', ...flags, '--prefer-offline', ...tarballs.map((t) => path.join(pack, t))], {
      cwd: app,
      timeoutMs: 200_000,
    });
    expect(installed.code, installed.stderr).toBe(0);
    expect(existsSync(bin)).toBe(true);
    // Nothing of the monorepo's development came along.
    for (const dev of ['vitest', 'typescript', '@stormwatch/fake-anthropic']) expect(existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);

    const noKey = await run(bin, [], { env: { ANTHROPIC_API_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('ANTHROPIC_API_KEY');
  });

  it('probes a fake API from the installed image tree and stops on SIGTERM', { timeout: 60_000 }, async () => {
    expect(existsSync(bin), 'the install test above ran').toBe(true);
    const api = await startFakeAnthropic({ otherwise: () => ok({ text: 'p' }) });
    let child: ReturnType<typeof spawn> | undefined;
    try {
      child = spawn(bin, ['--base-url', api.url, '--no-status', '--interval', '1'], {
        env: { PATH: process.env.PATH ?? '', HOME: scratch, ANTHROPIC_API_KEY: 'sk-ant-image-test', OTEL_SDK_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const running = child;
      running.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      running.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      while (api.requests.length < 2 && Date.now() < deadline && running.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(api.requests.length, output).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(api.requests[0]?.headers)).toContain('sk-ant-image-test');
      running.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      // A failed expectation above must not leave the probe running.
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await api.close();
    }
  });
});
