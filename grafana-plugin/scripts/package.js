/**
 * Packages the built plugin (dist/) as Grafana installs it: a zip whose only root entry
 * is a folder named after the plugin id (`stormwatch-stormwatch-app/plugin.json`,
 * `stormwatch-stormwatch-app/module.js`, ...), written to `artifacts/<id>-<version>.zip` with a
 * `.sha1` beside it. Run `npm run build` first; `npm run package` then
 * `grafana cli --pluginUrl ./artifacts/stormwatch-stormwatch-app-<version>.zip plugins install stormwatch-stormwatch-app`
 * or unzip it into Grafana's plugins directory.
 */
const { createHash } = require('crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } = require('fs');
const path = require('path');
const AdmZip = require('adm-zip');

/** Files Grafana needs at the root of the plugin folder. */
const REQUIRED_FILES = ['plugin.json', 'module.js'];
/**
 * What grafana.com accepts: `<org>-<name>-<type>`, the org being the publisher's grafana.com
 * account and the type the plugin.json `type` (the validator's typesuffix and org rules).
 * Grafana's schema alone also lets `<org>-<type>` through; the catalogue does not.
 */
const PLUGIN_ID = /^[0-9a-z]+-[0-9a-z]+-(app|panel|datasource)$/;

/** A packaging problem (missing build output, bad plugin.json). */
class PackagingError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PackagingError';
    this.isPackagingError = true;
  }
}

/** True when `e` is a {@link PackagingError}. */
function isPackagingError(e) {
  return typeof e === 'object' && e !== null && e.isPackagingError === true;
}

function listFiles(dir, prefix = '') {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) {
      out.push(...listFiles(full, rel));
    } else {
      out.push(rel);
    }
  }
  return out;
}

/**
 * Zips `distDir` under a root folder named after its plugin id.
 * @param {{ distDir: string, outDir: string }} options
 * @returns {{ zipPath: string, sha1Path: string, sha1: string, id: string, version: string, entries: string[] }}
 * @throws PackagingError when the build output is missing or plugin.json has no valid id or version.
 */
function packagePlugin({ distDir, outDir }) {
  for (const file of REQUIRED_FILES) {
    if (!existsSync(path.join(distDir, file))) {
      throw new PackagingError(`${path.join(distDir, file)} is missing: run \`npm run build\` before packaging`);
    }
  }
  let pluginJson;
  try {
    pluginJson = JSON.parse(readFileSync(path.join(distDir, 'plugin.json'), 'utf8'));
  } catch (e) {
    throw new PackagingError(`${path.join(distDir, 'plugin.json')} is not valid JSON: ${e.message}`);
  }
  const id = pluginJson.id;
  const version = pluginJson.info && pluginJson.info.version;
  if (typeof id !== 'string' || !PLUGIN_ID.test(id)) {
    throw new PackagingError(`plugin.json id ${JSON.stringify(id)} is not a Grafana plugin id (<org>-<name>-app)`);
  }
  if (!id.endsWith(`-${pluginJson.type}`)) {
    throw new PackagingError(
      `plugin.json id ${JSON.stringify(id)} does not end with its type ${JSON.stringify(pluginJson.type)}`
    );
  }
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new PackagingError(
      `plugin.json info.version ${JSON.stringify(version)} is not a release version (was %VERSION% replaced by the build?)`
    );
  }

  const zip = new AdmZip();
  const entries = [];
  for (const rel of listFiles(distDir)) {
    const entry = `${id}/${rel}`;
    zip.addFile(entry, readFileSync(path.join(distDir, rel)));
    entries.push(entry);
  }
  mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, `${id}-${version}.zip`);
  zip.writeZip(zipPath);
  const sha1 = createHash('sha1').update(readFileSync(zipPath)).digest('hex');
  const sha1Path = `${zipPath}.sha1`;
  writeFileSync(sha1Path, `${sha1}\n`);
  return { zipPath, sha1Path, sha1, id, version, entries };
}

module.exports = { packagePlugin, PackagingError, isPackagingError, REQUIRED_FILES };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  try {
    const { zipPath, sha1, entries } = packagePlugin({
      distDir: path.join(root, 'dist'),
      outDir: path.join(root, 'artifacts'),
    });
    console.log(`${path.relative(root, zipPath)} (${entries.length} files, sha1 ${sha1})`);
  } catch (e) {
    console.error(isPackagingError(e) ? e.message : e);
    process.exitCode = 1;
  }
}
