import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../../support/paths.js';

/** A fresh directory under test/.run/ (gitignored) for one test file's logs and data. */
export function runDir(name: string): string {
  const dir = path.join(repoPath('test', '.run'), `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
