/**
 * A fresh project that installs Stormwatch as an adopter does: from the tarballs `npm pack`
 * makes of the built packages, with the SDK from the registry — no workspace links, no
 * source conditions, Node's own resolution.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../../support/paths.js';

/** The packages an adopter installs, packed in this order (each needs only those before it). */
export const PACKED = ['conventions', 'core', 'telemetry', 'anthropic', 'node'] as const;

export interface PackedProject {
  readonly dir: string;
  /** Runs `node file` (or another binary) in the project; resolves with stdout, rejects with stderr. */
  readonly sdkVersion: string;
}

/** `npm pack` of each built package into `into`; the tarballs' paths by package name. */
function pack(into: string): Record<string, string> {
  const tarballs: Record<string, string> = {};
  for (const name of PACKED) {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', into], { cwd: repoPath('packages', name), encoding: 'utf8' });
    const [info] = JSON.parse(out) as Array<{ name: string; filename: string }>;
    tarballs[info!.name] = path.join(into, info!.filename);
  }
  return tarballs;
}

/**
 * Packs the packages and installs them, with `@anthropic-ai/sdk@sdkVersion`, TypeScript and
 * Node's types, into a new project under test/.run/adopter-<sdkVersion>; copies the fixtures in.
 */
export function packedProject(sdkVersion: string): PackedProject {
  const dir = repoPath('test', '.run', `adopter-${sdkVersion}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tarballs = pack(dir);
  const local = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
  const manifest = {
    name: 'stormwatch-adopter',
    private: true,
    dependencies: {
      ...local,
      '@anthropic-ai/sdk': sdkVersion,
      // A service's own OpenTelemetry setup, for the existing-NodeSDK service.
      '@opentelemetry/api': '^1.9.0',
      '@opentelemetry/sdk-node': '^0.301.0',
      '@opentelemetry/sdk-trace': '^3.1.0',
    },
    devDependencies: { typescript: '6.0.3', '@types/node': '24.19.2' },
    // The packages depend on each other by version; the adopter's copies are the tarballs.
    overrides: Object.fromEntries(Object.keys(local).map((name) => [name, `$${name}`])),
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // From the cache when it has a package (the registry is slow at times); a request that stalls is retried, not waited on for minutes.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', '--fetch-timeout=60000', '--fetch-retries=4'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 540_000,
  });
  for (const file of readdirSync(repoPath('test', 'adopter', 'fixtures'))) cpSync(repoPath('test', 'adopter', 'fixtures', file), path.join(dir, file));
  return { dir, sdkVersion };
}
