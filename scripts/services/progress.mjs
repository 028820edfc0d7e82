// Progress while a service starts: dots on stderr (CLI) or a log line every 15 s (API).

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {'dots'|'lines'} ProgressStyle */

/**
 * @param {ServiceName} name @param {{log: (m: string) => void, progress: ProgressStyle}} opts
 */
export function makeProgress(name, opts) {
  let lastTick = 0;
  let started = false;
  let open = false;
  return {
    tick(/** @type {number} */ waitedMs) {
      if (opts.progress === 'dots') {
        if (!started) {
          process.stderr.write(`${name}: waiting `);
          started = open = true;
          lastTick = waitedMs;
          return;
        }
        const s = Math.floor(waitedMs / 1000);
        if (Math.floor(lastTick / 10000) !== Math.floor(waitedMs / 10000)) process.stderr.write(` ${s}s `);
        else if (Math.floor(lastTick / 2000) !== Math.floor(waitedMs / 2000)) process.stderr.write('.');
        lastTick = waitedMs;
      } else if (waitedMs - lastTick >= 15000) {
        opts.log(`${name}: still starting (${Math.round(waitedMs / 1000)} s)`);
        lastTick = waitedMs;
      }
    },
    /** Ends the dots line; safe to call more than once. */
    done() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}
