/*
 * The scaffolded webpack configuration (.config/webpack, left as create-plugin wrote it),
 * extended as https://grafana.com/developers/plugin-tools/how-to-guides/extend-configurations
 * describes:
 * - source maps that Grafana's plugin validator can match (scripts/sourceMaps.js): only the
 *   app's own files under src/, webpack's runtime and the externals; no node_modules or
 *   workspace-package sources, which the validator cannot find under src/ (js-map-no-match);
 * - the alert runbooks (docs/runbooks/*.md) packaged under runbooks/, so the Overview's
 *   runbook links resolve in every Grafana that has the app.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';
import { getPluginJson } from './.config/bundler/utils.ts';
import sourceMaps from './scripts/sourceMaps.js';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      new CopyWebpackPlugin({
        patterns: [{ from: path.resolve(process.cwd(), '..', 'docs', 'runbooks', '*.md'), to: 'runbooks/[name][ext]' }],
      }),
      new sourceMaps.OwnSourceMapsPlugin({ pluginId: getPluginJson().id }),
    ],
  };
};

export default config;
