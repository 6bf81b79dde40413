/**
 * Capped, jittered back-off, forever (100 ms doubling to 3 s, + up to 100 ms): Redis absent at
 * boot or restarted later is picked up without an app restart, and a fleet of replicas does not
 * reconnect in lockstep. Used by node-redis' own reconnects and by our connect retries.
 */
export const reconnectDelay = (retries: number): number => Math.min(100 * 2 ** Math.min(retries, 6), 3000) + Math.floor(Math.random() * 100);
