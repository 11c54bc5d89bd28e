/** The delay before retry number `attempt` (1 = the first retry): the schedule's entries in turn, then its last for good. */
export function backoffDelay(schedule: readonly number[], attempt: number): number {
  if (!schedule.length) return 0;
  return schedule[Math.min(Math.max(Math.floor(attempt), 1), schedule.length) - 1]!;
}

/** A doubling schedule from `initialMs` that ends at `maxMs` (200, 400, … 5000). */
export function exponentialSchedule(initialMs: number, maxMs: number): number[] {
  const out: number[] = [];
  for (let d = initialMs; d < maxMs; d *= 2) out.push(d);
  return [...out, maxMs];
}
