/** Which of a scenario's windows are in force at an instant of virtual time. */
import type { OverloadWindow, TimeWindow } from './Scenario.js';

/** Whether the instant `ms` (virtual ms) falls in `window` (`[startS, endS)`, in s): its start does, its end does not. */
export function inWindow(window: TimeWindow, ms: number): boolean {
  return ms >= window.startS * 1000 && ms < window.endS * 1000;
}

/** The overload windows in force for `model` at `ms` (a window that names no models affects them all). */
export function overloadsAt(overloads: readonly OverloadWindow[], model: string, ms: number): OverloadWindow[] {
  return overloads.filter((w) => inWindow(w, ms) && (w.models === undefined || w.models.includes(model)));
}

/** The share of normal capacity of `model` at `ms`: the lowest factor of the overload windows in force, 1 outside them. */
export function capacityFactorAt(overloads: readonly OverloadWindow[], model: string, ms: number): number {
  return Math.min(1, ...overloadsAt(overloads, model, ms).map((w) => w.factor));
}
