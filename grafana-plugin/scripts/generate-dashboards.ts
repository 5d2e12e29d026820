/**
 * Writes the bundled dashboards (src/dashboards/*.json) from src/dashboards/generate.ts,
 * formatted with the project's Prettier settings (so `npm run lint:fix` leaves them alone).
 * Run with `npm run dashboards`; src/dashboards/dashboards.test.ts fails when the
 * committed JSON differs from what the generator produces.
 */
import { writeFileSync } from 'fs';
import path from 'path';
import { format, resolveConfig } from 'prettier';
import { generateDashboards, serializeDashboard } from '../src/dashboards/generate';

async function main(): Promise<void> {
  const dir = path.join(__dirname, '..', 'src', 'dashboards');
  for (const [file, dashboard] of Object.entries(generateDashboards())) {
    const target = path.join(dir, file);
    const options = (await resolveConfig(target)) ?? {};
    writeFileSync(target, await format(serializeDashboard(dashboard), { ...options, filepath: target }));
    console.log(`wrote src/dashboards/${file}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
