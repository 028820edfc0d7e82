import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToolError, toPlainError } from '../../../src/errors.js';
import { FAILPOINTS_ENV, armFailpoints, hitFailpoint, parseFailpoints } from '../../../src/engine/failpoints.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

function arm(text: string): NonNullable<ReturnType<typeof armFailpoints>> {
  const armed = armFailpoints({ [FAILPOINTS_ENV]: text });
  if (armed === undefined) throw new Error(`nothing armed by ${text}`);
  return armed;
}

describe('parseFailpoints', () => {
  it('reads name=action*times, times defaulting to 1, ignoring blanks and empty parts', () => {
    expect(parseFailpoints(' migrate.page-written=hang*3 ,, verify_x=fail ,a-b.c=crash*1,')).toEqual([
      { name: 'migrate.page-written', action: 'hang', times: 3 },
      { name: 'verify_x', action: 'fail', times: 1 },
      { name: 'a-b.c', action: 'crash', times: 1 },
    ]);
    expect(parseFailpoints('')).toEqual([]);
  });

  it.each(['x', 'x=explode', 'x=hang*', 'x=hang*-1', 'x=hang*two', 'a b=hang', '=fail', 'x=HANG', 'x=fail,y'])('rejects %j as a usage error naming the part', (text) => {
    let thrown: unknown;
    try {
      parseFailpoints(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ToolError);
    expect(thrown).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^CASS2DDB_FAILPOINTS: ".+" is not name=hang\|crash\|fail\[\*times\]$/) });
  });
});

describe('armFailpoints', () => {
  it('arms nothing when the variable is unset or blank', () => {
    expect(armFailpoints({})).toBeUndefined();
    expect(armFailpoints({ [FAILPOINTS_ENV]: '  ' })).toBeUndefined();
  });

  it('reads process.env by default and gives one shared counter per spec', () => {
    vi.stubEnv(FAILPOINTS_ENV, 'a=fail*2,b=hang');
    const armed = armFailpoints();
    expect(armed?.specs).toEqual([
      { name: 'a', action: 'fail', times: 2 },
      { name: 'b', action: 'hang', times: 1 },
    ]);
    expect(armed?.fired).toBeInstanceOf(Int32Array);
    expect(armed?.fired.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...(armed?.fired ?? [])]).toEqual([0, 0]);
  });

  it('throws on a bad variable', () => {
    expect(() => armFailpoints({ [FAILPOINTS_ENV]: 'a=explode' })).toThrow(/CASS2DDB_FAILPOINTS: "a=explode"/);
  });
});

describe('hitFailpoint', () => {
  it('does nothing when nothing is armed or the name is not armed', async () => {
    await expect(hitFailpoint(undefined, 'a')).resolves.toBeUndefined();
    const armed = arm('a=fail');
    await expect(hitFailpoint(armed, 'other')).resolves.toBeUndefined();
    expect([...armed.fired]).toEqual([0]);
  });

  it('fail throws a retryable WORKER_CRASHED error, `times` times across calls, then lets calls through', async () => {
    const armed = arm('x=hang,step=fail*2');
    const first = await hitFailpoint(armed, 'step').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(ToolError);
    expect(toPlainError(first)).toEqual({ code: 'WORKER_CRASHED', message: 'failpoint step: fail', retryable: true });
    await expect(hitFailpoint(armed, 'step')).rejects.toMatchObject({ code: 'WORKER_CRASHED', retryable: true });
    await expect(hitFailpoint(armed, 'step')).resolves.toBeUndefined();
    await expect(hitFailpoint(armed, 'step')).resolves.toBeUndefined();
    // the counter of the other spec is untouched
    expect(armed.fired[0]).toBe(0);
  });

  it('counts firings in shared memory: a copy sent to a worker (structured clone) shares the count', async () => {
    const armed = arm('step=fail*2');
    const inWorker = structuredClone(armed);
    await expect(hitFailpoint(inWorker, 'step')).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    await expect(hitFailpoint(armed, 'step')).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    await expect(hitFailpoint(inWorker, 'step')).resolves.toBeUndefined();
    await expect(hitFailpoint(armed, 'step')).resolves.toBeUndefined();
    expect(armed.fired[0]).toBe(4);
  });

  it('hang never resolves, and only the armed number of times', async () => {
    const armed = arm('stuck=hang*1');
    const hung = hitFailpoint(armed, 'stuck');
    const winner = await Promise.race([hung.then(() => 'failpoint'), sleep(100).then(() => 'timer')]);
    expect(winner).toBe('timer');
    const next = await Promise.race([hitFailpoint(armed, 'stuck').then(() => 'failpoint'), sleep(100).then(() => 'timer')]);
    expect(next).toBe('failpoint');
  });
});
