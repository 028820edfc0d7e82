/**
 * The shared rate: one SharedArrayBuffer the main thread writes and every worker reads before
 * each batch. Slot indices live here and nowhere else.
 *
 *   RATE_MILLI      total rate of the job × 1000 (write units/s, or items/s with --rate); −1: none
 *   ACTIVE_WORKERS  workers inside a task; each takes RATE / ACTIVE_WORKERS
 *   UNIT            0: write units per second, 1: items per second
 */
export const RATE_MILLI = 0;
export const ACTIVE_WORKERS = 1;
export const UNIT = 2;
export const SLOT_COUNT = 3;

export const UNLIMITED = -1;
export type RateUnit = 'wcu' | 'items';

export function createRateSlots(unit: RateUnit): Int32Array {
  const slots = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT));
  Atomics.store(slots, RATE_MILLI, UNLIMITED);
  Atomics.store(slots, UNIT, unit === 'items' ? 1 : 0);
  return slots;
}

/** Sets the job's total rate (per second); Infinity or a negative value: no limit. */
export function setRate(slots: Int32Array, perSecond: number): void {
  const milli = !Number.isFinite(perSecond) || perSecond < 0 ? UNLIMITED : Math.min(2 ** 31 - 1, Math.max(1, Math.round(perSecond * 1000)));
  Atomics.store(slots, RATE_MILLI, milli);
}

/** This worker's share of the rate per second, or Infinity when there is no limit. */
export function workerShare(slots: Int32Array): number {
  const milli = Atomics.load(slots, RATE_MILLI);
  if (milli < 0) return Number.POSITIVE_INFINITY;
  return milli / 1000 / Math.max(1, Atomics.load(slots, ACTIVE_WORKERS));
}

export function rateUnit(slots: Int32Array): RateUnit {
  return Atomics.load(slots, UNIT) === 1 ? 'items' : 'wcu';
}
