/**
 * Writes the bundled dashboards (src/dashboards/*.json) from src/dashboards/generate.ts,
 * formatted with the project's Prettier settings (so `npm run lint:fix` leaves them alone).
 * Run with `npm run dashboards`; src/dashboards/dashboards.test.ts fails when the
 * committed JSON differs from what the generator produces.
 */
import { writeFileSync } from 'fs';
import path from 'path';
import { format, resolveConfig } from 'prettier';

async function main(): Promise<void> {
  // The page specs build trace links with @grafana/data, which expects a browser at import
  // time; the generator runs in Node, so it gets jsdom's window (as the jest tests do).
  const { JSDOM } = await import('jsdom');
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  const { generateDashboards, serializeDashboard } = await import('../src/dashboards/generate');
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
