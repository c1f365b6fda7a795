/** The clock is passed in, never read from globals inside domain code, so tests can fast-forward business dates. */
export abstract class Clock {
  abstract now(): Date;
  /** Today's business date (YYYY-MM-DD) in the business time zone. */
  today(timeZone = 'Asia/Shanghai'): string {
    return businessDate(this.now(), timeZone);
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date): void {
    this.current = date;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The calendar date of an instant in a time zone, as YYYY-MM-DD. */
export function businessDate(at: Date, timeZone = 'Asia/Shanghai'): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(at);
}
