import type { Scenario } from './Scenario.js';
import { flapping } from './flapping.js';
import { longOutage } from './longOutage.js';
import { longOutageBatch } from './longOutageBatch.js';
import { opusOverloaded } from './opusOverloaded.js';
import { rateLimitWave } from './rateLimitWave.js';
import { resetWave } from './resetWave.js';
import { storm50 } from './storm50.js';

/** Every scenario, by CLI name, in the order the reports list them. */
export const SCENARIOS: readonly Scenario[] = Object.freeze([storm50, flapping, rateLimitWave, resetWave, opusOverloaded, longOutage, longOutageBatch]);

/** The scenario named `name`; throws a RangeError naming the known ones otherwise. */
export function scenarioByName(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (found === undefined) {
    throw new RangeError(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return found;
}

export { flapping, longOutage, longOutageBatch, opusOverloaded, rateLimitWave, resetWave, storm50 };
