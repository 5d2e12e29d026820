/** The queue contract every durable queue shares (SQLite here, Redis in `@stormwatch/redis`), defined beside core's `Deferrer`. */
export type { DrainableQueue, HandOverQueue, HeldTaskRef, LeaseRef, ListOptions, TaskQueue } from '@stormwatch/core';
