/**
 * Runs tasks with at most `inFlight` outstanding: enough to keep every worker busy, few enough
 * that an interrupt leaves little to unwind and memory stays bounded by the plan, not the queue.
 */
export async function dispatchAll<T>(
  tasks: readonly T[],
  inFlight: number,
  run: (task: T) => Promise<void>,
  shouldStop: () => boolean,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!shouldStop()) {
      const index = next++;
      const task = tasks[index];
      if (task === undefined) return;
      await run(task);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, tasks.length)) }, lane));
}
