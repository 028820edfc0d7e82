/** Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export const BACKOFF_DEFAULTS = Object.freeze({
  baseDelayMs: 50,
  maxDelayMs: 5_000,
});

/** Delay before retry number `attempt` (0-based): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number = BACKOFF_DEFAULTS.baseDelayMs,
  maxDelayMs: number = BACKOFF_DEFAULTS.maxDelayMs,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
