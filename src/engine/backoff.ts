/** Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
import { DEFAULTS } from '../config/defaults.js';

/** Delay before retry number `attempt` (0-based): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number = DEFAULTS.backoff.baseDelayMs,
  maxDelayMs: number = DEFAULTS.backoff.maxDelayMs,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
