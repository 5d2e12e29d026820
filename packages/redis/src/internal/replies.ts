import type { SharedPace } from '@stormwatch/core';

/**
 * The replies the scripts give, checked strictly: anything else (another program's key of
 * another type, a proxy that answers garbage, a script of another version) is `undefined`,
 * and the store answers from its local state instead of trusting it.
 */

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function parseNumber(reply: unknown): number | undefined {
  if (typeof reply !== 'string') return undefined;
  if (reply === 'Infinity') return Number.POSITIVE_INFINITY;
  if (!NUMBER.test(reply)) return undefined;
  const value = Number(reply);
  return Number.isFinite(value) ? value : undefined;
}

/** A wait in ms (reserveSlot). */
export function parseWait(reply: unknown): number | undefined {
  const wait = parseNumber(reply);
  return wait !== undefined && wait >= 0 && wait !== Number.POSITIVE_INFINITY ? wait : undefined;
}

/** The acknowledgement of a write that answers nothing (reportOverload, pause, deposit). */
export function parseOk(reply: unknown): true | undefined {
  return reply === 'ok' ? true : undefined;
}

/** Whether a retry was taken (tryWithdraw). */
export function parseTaken(reply: unknown): boolean | undefined {
  return reply === '1' ? true : reply === '0' ? false : undefined;
}

/** The shared pace (pace): `[rate or 'Infinity', ms paused, ms the circuit stays open]`. */
export function parsePace(reply: unknown): SharedPace | undefined {
  if (!Array.isArray(reply) || reply.length !== 3) return undefined;
  const ratePerSecond = parseNumber(reply[0]);
  const pausedForMs = parseDuration(reply[1]);
  const circuitOpenForMs = parseDuration(reply[2]);
  if (ratePerSecond === undefined || !(ratePerSecond > 0) || pausedForMs === undefined || circuitOpenForMs === undefined) return undefined;
  return { ratePerSecond, pausedForMs, circuitOpenForMs };
}

/** A finite number of ms, 0 or more. */
function parseDuration(reply: unknown): number | undefined {
  const ms = parseNumber(reply);
  return ms !== undefined && ms >= 0 && ms !== Number.POSITIVE_INFINITY ? ms : undefined;
}
