/**
 * Writes the bundled dashboards (src/dashboards/*.json) from src/dashboards/generate.ts.
 * Run with `npm run dashboards`; src/dashboards/dashboards.test.ts fails when the
 * committed JSON differs from what this writes.
 */
import { writeFileSync } from 'fs';
import path from 'path';
import { generateDashboards, serializeDashboard } from '../src/dashboards/generate';

const dir = path.join(__dirname, '..', 'src', 'dashboards');
for (const [file, dashboard] of Object.entries(generateDashboards())) {
  writeFileSync(path.join(dir, file), serializeDashboard(dashboard));
  console.log(`wrote src/dashboards/${file}`);
}
