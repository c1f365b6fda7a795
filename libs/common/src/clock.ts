import type { DataSource, EntityManager } from 'typeorm';
import { BusinessClockStore } from './store/business-clock.store.js';

/**
 * The one clock of the API and the worker (SPEC §2.7). `today()` is the business date: every business decision
 * (what is due, overdue, in force, which period ended) reads it, never the system time. `now()` is the wall-clock
 * instant, for timestamps, durations and the time of day (quiet hours), never for a business date.
 */
export abstract class Clock {
  abstract now(): Date;
  /** Today's business date (YYYY-MM-DD) in the business time zone. */
  today(timeZone = 'Asia/Shanghai'): string {
    return businessDate(this.now(), timeZone);
  }
  /** Re-reads a business date kept outside the process (the movable clock); a no-op for the others. */
  async refresh(): Promise<void> {}
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

/**
 * The business date of a deployment: the calendar date in the business time zone, unless configuration makes it
 * movable (BUSINESS_DATE_MOVABLE, on outside production) and an ADMIN has moved it (the `business_clock` row, shared
 * by the API and the worker through the database). Every process re-reads it before serving a request or running a
 * job (`refresh`); the process that moves it sees the new date at once.
 */
export class BusinessClock extends Clock {
  private stored: string | null = null;
  /** When the stored date was moved (µs since the epoch, -1 for none read yet): a read of an older move is dropped. */
  private storedMove = -1n;

  constructor(
    private readonly dataSource: DataSource,
    private readonly movable: boolean,
    private readonly timeZone: string,
  ) {
    super();
  }

  now(): Date {
    return new Date();
  }

  override today(timeZone = this.timeZone): string {
    return this.stored ?? businessDate(this.now(), timeZone);
  }

  /** The calendar date in the business time zone, whatever the stored business date says. */
  calendarDate(): string {
    return businessDate(this.now(), this.timeZone);
  }

  get isMovable(): boolean {
    return this.movable;
  }

  /** True when an ADMIN has moved the date (and configuration lets that count). */
  get isMoved(): boolean {
    return this.stored !== null;
  }

  override async refresh(manager?: EntityManager): Promise<void> {
    if (!this.movable) {
      this.stored = null;
      return;
    }
    const row = await BusinessClockStore.readVersioned(manager ?? this.dataSource.manager);
    // Requests refresh concurrently: a read that began before a move committed can answer after the mover's own
    // refresh, and must not put the date back. The row is never deleted, so "no row" is only ever the oldest state.
    const move = row ? BigInt(row.moved_us) : -1n;
    if (move < this.storedMove) return;
    this.storedMove = move;
    this.stored = row?.business_date ?? null;
  }

  /**
   * Moves the stored date, in the caller's transaction (the caller checks the rules and holds the lock). This process
   * sees the new date once the caller has committed and called `refresh()`, so a rolled-back move is never seen.
   */
  async moveTo(manager: EntityManager, date: string, movedBy: string): Promise<void> {
    if (!this.movable) throw new Error('the business date is not movable in this deployment');
    await BusinessClockStore.write(manager, date, movedBy);
  }
}

const formatters = new Map<string, { format: Intl.DateTimeFormat; second: number; date: string }>();
/**
 * The calendar date of an instant in a time zone, as YYYY-MM-DD. Formatting costs about 50 µs and a request asks
 * several times, so the last answer is kept per zone for its second: every zone's offset is a whole number of
 * seconds, so a date never changes within one.
 */
export function businessDate(at: Date, timeZone = 'Asia/Shanghai'): string {
  let f = formatters.get(timeZone);
  if (!f) {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, (f = { format, second: NaN, date: '' }));
  }
  const second = Math.floor(at.getTime() / 1000);
  if (second !== f.second) {
    f.date = f.format.format(at);
    f.second = second;
  }
  return f.date;
}
