/** The line that says where a migration's rate starts and why (start event and summary). */
import { describe, expect, it } from 'vitest';
import { startRateText } from '../../../src/migrate/summary.js';

describe('startRateText', () => {
  it('names the mode, the start and the reason', () => {
    expect(startRateText('adaptive', { rate: 4_000, reason: 'on-demand, warm throughput 4,000 WCU/s' })).toBe('adaptive from 4,000 WCU/s (on-demand, warm throughput 4,000 WCU/s)');
    expect(startRateText('adaptive', { rate: 300, reason: 'provisioned 500 WCU; held to --max-wcu 300' })).toBe('adaptive from 300 WCU/s (provisioned 500 WCU; held to --max-wcu 300)');
    expect(startRateText('fixed-items', { rate: 400, reason: 'fixed by --rate' })).toBe('fixed at 400 items/s (fixed by --rate)');
    expect(startRateText('fixed-wcu', { rate: 9_000, reason: 'fixed by --max-wcu with --no-adaptive' })).toBe('fixed at 9,000 WCU/s (fixed by --max-wcu with --no-adaptive)');
    expect(startRateText('unlimited', { rate: null, reason: 'unlimited (--no-adaptive)' })).toBe('unlimited (--no-adaptive)');
  });
});
