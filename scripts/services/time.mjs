// Waiting and printing durations.

export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds as seconds with one decimal, for messages. */
export const seconds = (/** @type {number} */ ms) => (ms / 1000).toFixed(1);
