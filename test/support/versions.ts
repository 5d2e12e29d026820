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

/**
 * The Jaeger module version the wrapper module test/jaeger pins (e.g. v1.75.0: the Go
 * module's v1 tag of the Jaeger v2 program), checked against the comment that names it.
 */
export function pinnedJaegerVersion(): string {
  const gomod = readFileSync(repoPath('test', 'jaeger', 'go.mod'), 'utf8');
  const comment = /^\/\/ Pinned release: Jaeger module (v\d+\.\d+\.\d+) /m.exec(gomod)?.[1];
  const required = /^\s*github\.com\/jaegertracing\/jaeger (v\d+\.\d+\.\d+)\b/m.exec(gomod)?.[1];
  if (!comment || !required) throw new Error('test/jaeger/go.mod names no pinned Jaeger version');
  if (comment !== required) throw new Error(`test/jaeger/go.mod requires Jaeger ${required}, its comment says ${comment}`);
  return required;
}

/**
 * The Tempo version users run (compose image, values of the upstream chart), without the v.
 * The tests never build or run Tempo; they check that both deployments name the same one.
 */
export function deployedTempoVersion(): string {
  const values = parse(readFileSync(repoPath('deploy', 'helm', 'upstream', 'tempo-values.yaml'), 'utf8')) as {
    tempo?: { tag?: unknown };
  };
  const tag = values.tempo?.tag;
  if (typeof tag !== 'string' || !/^\d+\.\d+\.\d+$/.test(tag)) {
    throw new Error('deploy/helm/upstream/tempo-values.yaml pins no Tempo image tag');
  }
  return tag;
}
