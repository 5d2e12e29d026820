import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from './paths.js';

/** The collector version our ocb manifest pins (core modules' v0.x version, without the v). */
export function pinnedCollectorVersion(): string {
  const manifest = parse(readFileSync(repoPath('deploy', 'collector', 'builder-config.yaml'), 'utf8')) as {
    receivers: { gomod: string }[];
  };
  const version = manifest.receivers[0]?.gomod.split(' ')[1];
  if (!version) throw new Error('builder-config.yaml pins no receiver version');
  return version.replace(/^v/, '');
}

/** The Tempo release the wrapper module pins (e.g. 2.9.0), from its go.mod comment. */
export function pinnedTempoVersion(): string {
  const gomod = readFileSync(repoPath('deploy', 'tempo', 'build', 'go.mod'), 'utf8');
  const tag = /^\/\/ Pinned release: Tempo v(\d+\.\d+\.\d+) = commit ([0-9a-f]{12})\.$/m.exec(gomod);
  const required = /^\s*github\.com\/grafana\/tempo v\S+-([0-9a-f]{12})\b/m.exec(gomod);
  if (!tag || !required) throw new Error('deploy/tempo/build/go.mod names no pinned Tempo release');
  if (tag[2] !== required[1]) throw new Error(`go.mod requires Tempo commit ${required[1]}, its comment says ${tag[2]}`);
  return tag[1] ?? '';
}
