/**
 * The shared rates: one SharedArrayBuffer the main thread writes and every worker reads before
 * each request. Slot indices live here and nowhere else.
 *
 *   WRITE_RATE_MILLI  the job's write rate × 1000 (write units/s, or items/s with --rate); −1: none
 *   ACTIVE_WORKERS    workers inside a task (set by the main thread); each takes RATE / ACTIVE_WORKERS
 *   UNIT              0: the write rate is in write units per second, 1: in items per second
 *   READ_RATE_MILLI   the job's read rate × 1000 (read units/s); −1: none
 */
export const WRITE_RATE_MILLI = 0;
/** The write channel's slot, under its first name. */
export const RATE_MILLI = WRITE_RATE_MILLI;
export const ACTIVE_WORKERS = 1;
export const UNIT = 2;
export const READ_RATE_MILLI = 3;
export const SLOT_COUNT = 4;

export const UNLIMITED = -1;
export type RateUnit = 'wcu' | 'items';
/** Writes (BatchWriteItem, deletes) and reads (BatchGetItem, Scan) are limited separately. */
export type RateChannel = 'write' | 'read';

const SLOT_OF: Readonly<Record<RateChannel, number>> = { write: WRITE_RATE_MILLI, read: READ_RATE_MILLI };

export function createRateSlots(unit: RateUnit): Int32Array {
  const slots = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT));
  Atomics.store(slots, WRITE_RATE_MILLI, UNLIMITED);
  Atomics.store(slots, READ_RATE_MILLI, UNLIMITED);
  Atomics.store(slots, UNIT, unit === 'items' ? 1 : 0);
  return slots;
}

/** Sets the job's total rate of a channel (per second); Infinity or a negative value: no limit. */
export function setRate(slots: Int32Array, perSecond: number, channel: RateChannel = 'write'): void {
  const milli = !Number.isFinite(perSecond) || perSecond < 0 ? UNLIMITED : Math.min(2 ** 31 - 1, Math.max(1, Math.round(perSecond * 1000)));
  Atomics.store(slots, SLOT_OF[channel], milli);
}

/** This worker's share of a channel's rate per second, or Infinity when there is no limit. */
export function workerShare(slots: Int32Array, channel: RateChannel = 'write'): number {
  const milli = Atomics.load(slots, SLOT_OF[channel]);
  if (milli < 0) return Number.POSITIVE_INFINITY;
  return milli / 1000 / Math.max(1, Atomics.load(slots, ACTIVE_WORKERS));
}

/** The write channel's unit. */
export function rateUnit(slots: Int32Array): RateUnit {
  return Atomics.load(slots, UNIT) === 1 ? 'items' : 'wcu';
}

/** The main thread's count of busy workers: tasks running, `perWorker` tasks to a thread at most. */
export function setActiveWorkers(slots: Int32Array, runningTasks: number, perWorker = 1): void {
  Atomics.store(slots, ACTIVE_WORKERS, Math.ceil(runningTasks / Math.max(1, perWorker)));
}
