/**
 * SMS is never sent between 21:00 and 08:00 in the business time zone (SPEC §3): a message that falls due then is
 * deferred to the next 08:00. Pure: the instant and the zone are passed in.
 */
export interface QuietHours {
  /** Local hour the quiet period starts (inclusive), e.g. 21. */
  startHour: number;
  /** Local hour it ends (exclusive), e.g. 8. */
  endHour: number;
  timeZone: string;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { startHour: 21, endHour: 8, timeZone: 'Asia/Shanghai' };

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(at: Date, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, min: +p.minute, s: +p.second };
}

/** The zone's offset from UTC at an instant, in ms (local wall clock − UTC). */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const p = parts(at, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a local wall-clock time occurs in a zone (resolved against the offset in force then). */
export function zonedInstant(y: number, m: number, d: number, hour: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d, hour);
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  // A second pass settles the offset when the first guess fell on the other side of a DST change.
  return new Date(guess - zoneOffsetMs(new Date(first), timeZone));
}

/** The local hour (0-23) of an instant in a zone. */
export function zonedHour(at: Date, timeZone: string): number {
  return parts(at, timeZone).h;
}

export function isQuiet(at: Date, q: QuietHours = DEFAULT_QUIET_HOURS): boolean {
  const h = parts(at, q.timeZone).h;
  return q.startHour > q.endHour ? h >= q.startHour || h < q.endHour : h >= q.startHour && h < q.endHour;
}

/** When a message that falls due at `at` may be sent: null when now is fine, else the end of the quiet period. */
export function quietUntil(at: Date, q: QuietHours = DEFAULT_QUIET_HOURS): Date | null {
  if (!isQuiet(at, q)) return null;
  const p = parts(at, q.timeZone);
  // Evening (after the start hour, when the period wraps midnight): the end is tomorrow morning.
  const nextDay = q.startHour > q.endHour && p.h >= q.startHour;
  const day = new Date(Date.UTC(p.y, p.m - 1, p.d + (nextDay ? 1 : 0)));
  return zonedInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), q.endHour, q.timeZone);
}
