// Pure: what an instance's health reports add up to, and when the scheduler kills it for them.
// The agent runs the app's (first) health check and reports every counted failure and each
// return to health in TaskStatus.healthy; this keeps Marathon's tally of those reports and
// decides, as Marathon does, that maxConsecutiveFailures failures in a row end the instance
// (0: never). The agent kills at the same count; the scheduler's kill makes it hold for agents
// that only report, and makes the kill a failure of the app (backoff, lastTaskFailure).
import type { AppDefinition } from './app-schema.js';
import type { HealthRecord } from './views.js';

export function afterHealthReport(before: HealthRecord, healthy: boolean, now: number, cause: string): HealthRecord {
  if (healthy) return { ...before, consecutiveFailures: 0, lastSuccess: now };
  return { ...before, consecutiveFailures: before.consecutiveFailures + 1, lastFailure: now, lastFailureCause: cause.slice(0, 1024) };
}

export function killForHealth(app: AppDefinition, health: HealthRecord): boolean {
  const max = app.healthChecks[0]?.maxConsecutiveFailures ?? 0;
  return max > 0 && health.consecutiveFailures >= max;
}
