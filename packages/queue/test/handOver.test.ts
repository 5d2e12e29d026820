import { VirtualClock } from '@stormwatch/core';
import { describe } from 'vitest';
import { sqliteDeferrer } from '../src/index.js';
import { handOverConformance } from './handOverConformance.js';
import { useTempDir } from './support/queueFiles.js';

describe('sqliteDeferrer', () => {
  const { queuePath } = useTempDir();
  let n = 0;
  handOverConformance('SqliteDeferrer', async () => {
    const clock = new VirtualClock(1_000);
    return { clock, queue: sqliteDeferrer({ path: queuePath(`q${n++}.db`), clock }) };
  });
});
