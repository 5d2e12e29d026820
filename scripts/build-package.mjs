#!/usr/bin/env node
// Builds the package in the current directory as a dual package:
//   dist/      ES module build (tsconfig.build.json), what `import` gets
//   dist/cjs/  CommonJS build (tsconfig.cjs.json: the same sources, module CommonJS), what
//              `require` gets — marked CommonJS by its own package.json
// Both are compiled by tsc from one source; the package's `exports` map `import` and
// `require` to them (each with its own types). A CommonJS file in src (`*.cjs`, with its
// `*.d.cts` types) is copied as is into both. Run by each package's `npm run build`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project) {
  const run = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

/** Copies src's CommonJS files (`.cjs` and their `.d.cts`) into `outDir`, at the same paths. */
function copyCommonJs(outDir) {
  for (const file of readdirSync('src', { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.cjs') || file.endsWith('.d.cts')) cpSync(join('src', file), join(outDir, file));
  }
}

compile('tsconfig.build.json');
copyCommonJs('dist');
if (existsSync('tsconfig.cjs.json')) {
  // A file removed from src must not linger in the CommonJS build.
  rmSync(join('dist', 'cjs'), { recursive: true, force: true });
  compile('tsconfig.cjs.json');
  copyCommonJs(join('dist', 'cjs'));
  writeFileSync(join('dist', 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}
