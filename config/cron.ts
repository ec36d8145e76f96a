/**
 * The standard five-field cron schedules of a Kubernetes CronJob
 * (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax), parsed far
 * enough to know how long the longest wait between two runs is: the RPO a backup schedule allows.
 */

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Schedule {
  readonly sets: readonly ReadonlySet<number>[];
  /** Whether day of month / day of week were restricted (cron ORs them when both are). */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

/** The schedule, or a message saying what is wrong with it. */
export function parseCron(text: string): Schedule | string {
  const expanded = MACROS[text.trim()] ?? text.trim();
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) return 'must be a cron schedule of five fields (minute hour day-of-month month day-of-week) such as "0 */6 * * *", or a macro such as "@daily"';
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i];
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (!match) return `${field.name} "${item}" must be *, a number, a range a-b, a list, each with an optional /step (names such as MON are not supported)`;
      const from = match[1] === '*' ? field.min : Number(match[2]);
      const to = match[1] === '*' ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? field.max : from;
      const step = match[4] !== undefined ? Number(match[4]) : 1;
      if (from < field.min || to > field.max || from > to || step < 1) return `${field.name} "${item}" must lie within ${field.min}-${field.max}`;
      for (let v = from; v <= to; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    sets.push(set);
  }
  return { sets, domStar: parts[2] === '*', dowStar: parts[4] === '*' };
}

function dayMatches(s: Schedule, day: Date): boolean {
  const [, , dom, month, dow] = s.sets;
  if (!month.has(day.getUTCMonth() + 1)) return false;
  const domMatch = dom.has(day.getUTCDate());
  const dowMatch = dow.has(day.getUTCDay());
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

/**
 * The longest time between two consecutive runs of the schedule, in minutes, over two years from
 * 2025-01-01 (UTC, as the CronJobs set timeZone): what a backup on this schedule may lag at worst.
 */
export function longestGapMinutes(schedule: string): number {
  let gap = longestGaps.get(schedule);
  if (gap === undefined) {
    gap = longestGap(schedule);
    longestGaps.set(schedule, gap);
  }
  return gap;
}

/** longestGapMinutes by schedule: two years of days take a while, and every rendering of an environment asks. */
const longestGaps = new Map<string, number>();

function longestGap(schedule: string): number {
  const parsed = parseCron(schedule);
  if (typeof parsed === 'string') throw new Error(`${schedule}: ${parsed}`);
  const [minutes, hours] = parsed.sets.map((set) => [...set].sort((a, b) => a - b));
  let last: number | undefined;
  let longest = 0;
  let runs = 0;
  for (let d = 0; d < 2 * 365; d++) {
    if (!dayMatches(parsed, new Date(Date.UTC(2025, 0, 1 + d)))) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const at = d * 1440 + h * 60 + m;
        if (last !== undefined) longest = Math.max(longest, at - last);
        last = at;
        runs++;
      }
    }
  }
  if (runs < 2) throw new Error(`${schedule}: runs less than twice in two years`);
  return longest;
}
