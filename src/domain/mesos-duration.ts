// Mesos's duration syntax (stout Duration::parse): a number and a unit, "100ms", "10secs", "2mins".
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, secs: 1000, m: 60_000, mins: 60_000, h: 3_600_000, hrs: 3_600_000, days: 86_400_000, weeks: 604_800_000 };

/** Milliseconds, or null when `text` is not a Mesos duration. Zero is a duration; callers decide if it is allowed. */
export function parseMesosDuration(text: string): number | null {
  const m = /^(\d{1,15}(?:\.\d{1,9})?)(ns|us|ms|s|secs|m|mins|h|hrs|days|weeks)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}
