import { redisStore } from '@stormwatch/redis';

// One store per process; every process of the fleet names the same Redis and prefix. An
// operation waits at most timeoutMs for Redis (default 50 ms), then answers locally.
const store = redisStore({ url: process.env.STORMWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: 'quickstart:', timeoutMs: 500 });
store.onDegraded(({ reason }) => console.warn(`overload state is local until Redis is back: ${reason}`));

const model = 'claude-opus-4-7';
await store.reportOverload(model); // a 529 in any process cuts the rate of all of them
const { ratePerSecond } = await store.pace(model);
console.log(`${ratePerSecond.toFixed(1)} calls/s admitted across the fleet`); // 1.0 calls/s admitted across the fleet

// One slot per second for the whole fleet: the first asker takes the slot that is due; the
// others hear how long until the next one (nothing is booked) and ask again then.
const waits = [await store.reserveSlot(model), await store.reserveSlot(model), await store.reserveSlot(model)];
console.log(waits.map((ms) => Math.round(ms / 1000))); // [ 0, 1, 1 ]

await store.deposit(model); // a call was made: the shared retry budget grows
console.log(await store.tryWithdraw(model)); // true: a retry is within the fleet's budget

await store.close();
