import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * No code path reads the system time for a business decision (SPEC §2.7): every "today" comes from the Clock
 * (libs/common/src/clock.ts), the business date an ADMIN may move outside production. This scans the source of every
 * library and app (not tests) for the ways to read the system time — `new Date()` without an argument, `Date.now()`,
 * and SQL's current_date / current_timestamp / localtimestamp / now()::date — and allows them only where the listed
 * reason holds: a wall-clock instant that is never a business date (a duration, a timestamp, a signature's time).
 * SQL `now()` written into a *_at column is the recording time and stays allowed.
 */
const root = process.cwd();

/** file → why it may read the wall clock. Keep it short: each entry is a reason, not a loophole. */
const ALLOWED: Record<string, string> = {
  'libs/common/src/clock.ts': 'the clock itself: now() is the wall-clock instant',
  'libs/reminders/src/channels/webhook.channel.ts': 'the signature timestamp of a webhook (replay protection)',
  'libs/reminders/src/channels/sms.channel.ts': 'the signature timestamp of an SMS gateway call',
  'libs/reminders/src/selection.service.ts': 'duration of a selection run (metrics)',
  'libs/reminders/src/delivery-queue.ts': 'busy time of the delivery worker (metrics)',
  'libs/reminders/src/delivery.service.ts': 'start instant of a delivery batch (log line)',
  'libs/reconciliation/src/reconciliation.service.ts': 'durations of a reconciliation run (metrics)',
  'libs/ledger/src/ledger.service.ts': "verify()'s checkedAt timestamp",
  'apps/worker/src/reminders/reminder-delivery.processor.ts': 'the instant a deferred delivery job becomes due',
};

const PATTERNS: [RegExp, string][] = [
  [/new Date\(\)/, 'new Date()'],
  [/Date\.now\(\)/, 'Date.now()'],
  [/\bcurrent_date\b/i, 'current_date'],
  [/\bcurrent_timestamp\b/i, 'current_timestamp'],
  [/\blocaltimestamp\b/i, 'localtimestamp'],
  [/now\(\)\s*::\s*date/i, 'now()::date'],
  [/\btransaction_timestamp\(\)|\bclock_timestamp\(\)|\bstatement_timestamp\(\)/i, 'a timestamp function'],
];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules') sources(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

function wallClockReads(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    if (ALLOWED[rel]) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [re, what] of PATTERNS) if (re.test(line)) found.push(`${rel}:${i + 1} reads the system time (${what})`);
      });
  }
  return found;
}

describe('one clock', () => {
  const files = [...sources(join(root, 'libs')), ...sources(join(root, 'apps'))];

  it('no library or app reads the system time outside the clock and the listed wall-clock uses', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(wallClockReads(files)).toEqual([]);
  });

  it('every allowed file still reads the wall clock (an entry that no longer does is removed)', () => {
    for (const rel of Object.keys(ALLOWED)) {
      const text = readFileSync(join(root, rel), 'utf8');
      expect(PATTERNS.some(([re]) => re.test(text)), rel).toBe(true);
    }
  });

  it('the scan finds each way of reading the system time', () => {
    // the scanner itself, on the forms it must catch
    const probe = ['const t = new Date();', 'if (Date.now() > x)', 'WHERE due_date < CURRENT_DATE', 'now()::date', 'localtimestamp'];
    for (const line of probe) expect(PATTERNS.some(([re]) => re.test(line)), line).toBe(true);
    expect(PATTERNS.some(([re]) => re.test('new Date(row.at)'))).toBe(false);
    expect(PATTERNS.some(([re]) => re.test("SET sent_at = now()"))).toBe(false);
  });
});
