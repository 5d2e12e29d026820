// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

// Jest configuration provided by Grafana scaffolding, extended as
// https://grafana.com/developers/plugin-tools/how-to-guides/extend-configurations describes.
const base = require('./.config/jest.config');
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  // d3-color 3.1.1 (via @grafana/data) ships only an .mjs build.
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  testTimeout: 30000,
};
