import { sharedConfig } from '../vitest.shared.js';

// Tests here start real servers (promtool, helm, the collector, Jaeger, Prometheus): one
// file at a time, with room for a first start on a busy machine.
export default sharedConfig({
  include: ['**/*.test.ts'],
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 180_000,
});
