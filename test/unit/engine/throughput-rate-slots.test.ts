/**
 * The rate slots: one SharedArrayBuffer the main thread writes (setRate) and workers read
 * (workerShare), one slot per channel, shared out among the workers inside a task.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_WORKERS,
  createRateSlots,
  RATE_MILLI,
  rateUnit,
  READ_RATE_MILLI,
  setRate,
  SLOT_COUNT,
  UNIT,
  UNLIMITED,
  WRITE_RATE_MILLI,
  workerShare,
} from '../../../src/engine/rate-slots.js';

describe('rate slots', () => {
  it('names distinct slots, all inside the buffer', () => {
    const named = [WRITE_RATE_MILLI, ACTIVE_WORKERS, UNIT, READ_RATE_MILLI];
    expect(new Set(named).size).toBe(named.length);
    expect(named.every((i) => Number.isInteger(i) && i >= 0 && i < SLOT_COUNT)).toBe(true);
    expect(RATE_MILLI).toBe(WRITE_RATE_MILLI);
    expect(createRateSlots('wcu')).toHaveLength(SLOT_COUNT);
  });

  it('starts with no limit on either channel, no active worker, and its unit', () => {
    for (const unit of ['wcu', 'items'] as const) {
      const slots = createRateSlots(unit);
      expect(slots.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(workerShare(slots, 'write')).toBe(Number.POSITIVE_INFINITY);
      expect(workerShare(slots, 'read')).toBe(Number.POSITIVE_INFINITY);
      expect(workerShare(slots)).toBe(Number.POSITIVE_INFINITY);
      expect(Atomics.load(slots, ACTIVE_WORKERS)).toBe(0);
      expect(rateUnit(slots)).toBe(unit);
    }
  });

  it('sets each channel on its own, write by default', () => {
    const slots = createRateSlots('wcu');
    setRate(slots, 1_200);
    expect(workerShare(slots)).toBe(1_200);
    expect(workerShare(slots, 'write')).toBe(1_200);
    expect(workerShare(slots, 'read')).toBe(Number.POSITIVE_INFINITY);
    setRate(slots, 300, 'read');
    expect(workerShare(slots, 'read')).toBe(300);
    expect(workerShare(slots, 'write')).toBe(1_200);
    setRate(slots, Number.POSITIVE_INFINITY, 'write');
    expect(workerShare(slots, 'write')).toBe(Number.POSITIVE_INFINITY);
    expect(workerShare(slots, 'read')).toBe(300);
    expect(rateUnit(slots)).toBe('wcu');
  });

  it('shares a channel’s rate among the active workers', () => {
    const slots = createRateSlots('items');
    setRate(slots, 1_000);
    setRate(slots, 600, 'read');
    // No worker inside a task yet: a worker that starts one takes the whole rate.
    expect(workerShare(slots)).toBe(1_000);
    Atomics.add(slots, ACTIVE_WORKERS, 1);
    expect(workerShare(slots)).toBe(1_000);
    Atomics.add(slots, ACTIVE_WORKERS, 3);
    expect(workerShare(slots, 'write')).toBe(250);
    expect(workerShare(slots, 'read')).toBe(150);
    Atomics.sub(slots, ACTIVE_WORKERS, 2);
    expect(workerShare(slots, 'write')).toBe(500);
    expect(workerShare(slots, 'read')).toBe(300);
  });

  it('stores milli-units: fractions survive, tiny rates stay limited, huge ones are clamped', () => {
    const slots = createRateSlots('wcu');
    setRate(slots, 12.3456);
    expect(Atomics.load(slots, WRITE_RATE_MILLI)).toBe(12_346);
    expect(workerShare(slots)).toBeCloseTo(12.346, 9);
    setRate(slots, 0.0001);
    expect(workerShare(slots)).toBe(0.001);
    setRate(slots, 0);
    expect(workerShare(slots)).toBe(0.001);
    setRate(slots, 1e12, 'read');
    expect(Atomics.load(slots, READ_RATE_MILLI)).toBe(2 ** 31 - 1);
    expect(workerShare(slots, 'read')).toBeCloseTo((2 ** 31 - 1) / 1000, 6);
  });

  it('treats Infinity, NaN and negative rates as no limit', () => {
    for (const value of [Number.POSITIVE_INFINITY, Number.NaN, -1, -0.5, Number.NEGATIVE_INFINITY]) {
      const slots = createRateSlots('wcu');
      setRate(slots, 50, 'read');
      setRate(slots, 50);
      setRate(slots, value);
      expect(Atomics.load(slots, WRITE_RATE_MILLI), String(value)).toBe(UNLIMITED);
      expect(workerShare(slots), String(value)).toBe(Number.POSITIVE_INFINITY);
      expect(workerShare(slots, 'read')).toBe(50);
    }
  });

  it('a worker thread sees rates set after it received the slots (shared, not copied)', async () => {
    const slots = createRateSlots('wcu');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       let slots;
       parentPort.on('message', (m) => {
         if (m.slots) { slots = m.slots; parentPort.postMessage('ok'); return; }
         parentPort.postMessage([Atomics.load(slots, ${WRITE_RATE_MILLI}), Atomics.load(slots, ${READ_RATE_MILLI})]);
       });`,
      { eval: true },
    );
    try {
      const next = () => new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      let reply = next();
      worker.postMessage({ slots });
      expect(await reply).toBe('ok');
      setRate(slots, 42);
      setRate(slots, 7, 'read');
      reply = next();
      worker.postMessage('read');
      expect(await reply).toEqual([42_000, 7_000]);
    } finally {
      await worker.terminate();
    }
  });
});
