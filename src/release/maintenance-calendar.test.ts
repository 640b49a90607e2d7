// The calendar against dates worked out by hand (weekdays from a printed calendar, offsets from
// Switzerland's DST rules: CEST from the last Sunday of March 02:00 to the last Sunday of October
// 03:00; 2027: 28 March / 31 October, 2028: 26 March / 29 October), never from the code.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import type { Maintenance } from '../model/index.js';
import { freezeOf, maintenanceCalendar } from './maintenance-calendar.js';
import type { CalendarEntry } from './maintenance-calendar.js';

function policy(over: Partial<Maintenance> = {}): Maintenance {
  return {
    timezone: 'Europe/Zurich',
    freeze: { dayOfMonth: 1, time: '00:00' },
    test: { afterFreeze: 'P0D' },
    production: { afterFreeze: 'P7D', minimumGapAfterTest: 'P7D', requiresAcceptance: true },
    ...over,
  };
}

const range = (from: string, to: string) => ({
  from: Temporal.Instant.from(from),
  to: Temporal.Instant.from(to),
});

// Freeze on the 1st at 00:00; test on working days 08:00-18:00; production Tuesdays and
// Thursdays 22:00 for four hours, at least 7 days after test started.
const swiss = policy({
  test: {
    afterFreeze: 'P0D',
    window: { start: '08:00', duration: 'PT10H', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
  },
  production: {
    afterFreeze: 'P7D',
    minimumGapAfterTest: 'P7D',
    requiresAcceptance: true,
    window: { start: '22:00', duration: 'PT4H', days: ['tue', 'thu'] },
  },
});

// month: [test day, production day] by hand. The 1st's weekday decides the test day (a month
// starting on Saturday tests on Monday the 3rd, on Sunday on Monday the 2nd); production is the
// first Tuesday or Thursday on or after the test day + 7.
const byHand: [string, number, number][] = [
  ['2027-01', 1, 12], // Fri 1st; 8th Fri -> Tue 12
  ['2027-02', 1, 9], // Mon
  ['2027-03', 1, 9], // Mon
  ['2027-04', 1, 8], // Thu; 8th Thu
  ['2027-05', 3, 11], // Sat 1st -> Mon 3; 10th Mon -> Tue 11
  ['2027-06', 1, 8], // Tue
  ['2027-07', 1, 8], // Thu
  ['2027-08', 2, 10], // Sun 1st -> Mon 2; 9th Mon -> Tue 10
  ['2027-09', 1, 9], // Wed; 8th Wed -> Thu 9
  ['2027-10', 1, 12], // Fri
  ['2027-11', 1, 9], // Mon
  ['2027-12', 1, 9], // Wed
  ['2028-01', 3, 11], // Sat 1st -> Mon 3
  ['2028-02', 1, 8], // Tue
  ['2028-03', 1, 9], // Wed
  ['2028-04', 3, 11], // Sat 1st -> Mon 3
  ['2028-05', 1, 9], // Mon
  ['2028-06', 1, 8], // Thu
  ['2028-07', 3, 11], // Sat 1st -> Mon 3
  ['2028-08', 1, 8], // Tue
  ['2028-09', 1, 12], // Fri
  ['2028-10', 2, 10], // Sun 1st -> Mon 2
  ['2028-11', 1, 9], // Wed
  ['2028-12', 1, 12], // Fri
];

/** Summer time in these months' first half: April to October. */
const offsetOf = (month: string) =>
  Number(month.slice(5)) >= 4 && Number(month.slice(5)) <= 10 ? '+02:00' : '+01:00';
const dd = (n: number) => String(n).padStart(2, '0');

describe('maintenance calendar', () => {
  test('24 months in Europe/Zurich: freeze, working-day test, Tue/Thu production', () => {
    const got = maintenanceCalendar(swiss, {
      ...range('2027-01-01T00:00:00+01:00', '2029-01-01T00:00:00+01:00'),
      customers: [],
      all: false,
    });
    const want: CalendarEntry[] = byHand.flatMap(([month, t, p]) => {
      const o = offsetOf(month);
      return [
        { kind: 'freeze', start: `${month}-01T00:00:00${o}`, end: `${month}-01T00:00:00${o}` },
        { kind: 'test', start: `${month}-${dd(t)}T08:00:00${o}`, end: `${month}-${dd(t)}T18:00:00${o}` },
        {
          kind: 'production',
          start: `${month}-${dd(p)}T22:00:00${o}`,
          end: `${month}-${dd(p + 1)}T02:00:00${o}`,
        },
      ] satisfies CalendarEntry[];
    });
    assert.deepEqual(got, want);
  });

  test('a customer window overrides the default; --customer lists each production environment', () => {
    const customers = [
      { customer: 'early', environment: 'production', window: { start: '06:00', duration: 'PT2H' } },
      { customer: 'plain', environment: 'production' },
    ];
    const may = range('2027-05-01T00:00:00+02:00', '2027-06-01T00:00:00+02:00');
    // May 2027: test Mon 3rd 08:00, so production from Mon 10th 08:00: every day at 06:00 -> Tue 11th
    assert.deepEqual(maintenanceCalendar(swiss, { ...may, customers, all: false }), [
      { kind: 'freeze', start: '2027-05-01T00:00:00+02:00', end: '2027-05-01T00:00:00+02:00' },
      { kind: 'test', start: '2027-05-03T08:00:00+02:00', end: '2027-05-03T18:00:00+02:00' },
      {
        kind: 'production',
        customer: 'early',
        environment: 'production',
        start: '2027-05-11T06:00:00+02:00',
        end: '2027-05-11T08:00:00+02:00',
      },
      { kind: 'production', start: '2027-05-11T22:00:00+02:00', end: '2027-05-12T02:00:00+02:00' },
    ]);
    const plain = maintenanceCalendar(swiss, { ...may, customers: [customers[1]!], all: true });
    assert.deepEqual(plain.at(-1), {
      kind: 'production',
      customer: 'plain',
      environment: 'production',
      start: '2027-05-11T22:00:00+02:00',
      end: '2027-05-12T02:00:00+02:00',
    });
  });

  // Freeze on the 25th at 02:30, test until the next freeze, production on Sundays 01:30 for two
  // hours from a day after the freeze: the windows of March and October sit on the DST nights.
  const dst = policy({
    freeze: { dayOfMonth: 25, time: '02:30' },
    production: {
      afterFreeze: 'P1D',
      minimumGapAfterTest: 'P1D',
      requiresAcceptance: true,
      window: { start: '01:30', duration: 'PT2H', days: ['sun'] },
    },
  });
  // from the freeze on: the previous test window ends there (windows are half-open)
  const cycleOf = (from: string, to: string) =>
    maintenanceCalendar(dst, { ...range(from, to), customers: [], all: false });

  test('both DST switches: a window over the night keeps its real length', () => {
    // 2027-03-28: 01:30 CET + 2h = 04:30 CEST (02:00 -> 03:00 skipped)
    const march = cycleOf('2027-03-25T02:30:00+01:00', '2027-03-30T00:00:00+02:00');
    assert.deepEqual(march, [
      { kind: 'freeze', start: '2027-03-25T02:30:00+01:00', end: '2027-03-25T02:30:00+01:00' },
      { kind: 'test', start: '2027-03-25T02:30:00+01:00', end: '2027-04-25T02:30:00+02:00' },
      { kind: 'production', start: '2027-03-28T01:30:00+01:00', end: '2027-03-28T04:30:00+02:00' },
    ]);
    // 2027-10-31: 01:30 CEST + 2h = 02:30 CET (03:00 -> 02:00 repeated)
    const october = cycleOf('2027-10-25T02:30:00+02:00', '2027-11-01T00:00:00+01:00');
    assert.deepEqual(october, [
      { kind: 'freeze', start: '2027-10-25T02:30:00+02:00', end: '2027-10-25T02:30:00+02:00' },
      { kind: 'test', start: '2027-10-25T02:30:00+02:00', end: '2027-11-25T02:30:00+01:00' },
      { kind: 'production', start: '2027-10-31T01:30:00+02:00', end: '2027-10-31T02:30:00+01:00' },
    ]);
    // 2028-10-29, the same switch a year later
    const october28 = cycleOf('2028-10-25T02:30:00+02:00', '2028-11-01T00:00:00+01:00');
    assert.deepEqual(october28.at(-1), {
      kind: 'production',
      start: '2028-10-29T01:30:00+02:00',
      end: '2028-10-29T02:30:00+01:00',
    });
  });

  test('a day after a freeze on the DST night is a calendar day: the skipped 02:30 is 03:30', () => {
    // 2028-03-25 02:30 + 1 day = 2028-03-26 02:30, which does not exist -> 03:30 CEST; that
    // Sunday's 01:30 is earlier, so production is Sunday 2 April
    const march = cycleOf('2028-03-25T02:30:00+01:00', '2028-04-03T00:00:00+02:00');
    assert.deepEqual(march, [
      { kind: 'freeze', start: '2028-03-25T02:30:00+01:00', end: '2028-03-25T02:30:00+01:00' },
      { kind: 'test', start: '2028-03-25T02:30:00+01:00', end: '2028-04-25T02:30:00+02:00' },
      { kind: 'production', start: '2028-04-02T01:30:00+02:00', end: '2028-04-02T03:30:00+02:00' },
    ]);
  });

  test('month ends: February of a leap year, and December into January', () => {
    const feb = cycleOf('2028-02-25T02:30:00+01:00', '2028-02-28T00:00:00+01:00');
    // test runs to the next freeze, 25 March (before that year's switch on the 26th)
    assert.deepEqual(feb[1], {
      kind: 'test',
      start: '2028-02-25T02:30:00+01:00',
      end: '2028-03-25T02:30:00+01:00',
    });
    const dec = cycleOf('2027-12-25T02:30:00+01:00', '2028-01-03T00:00:00+01:00');
    assert.deepEqual(dec[1], {
      kind: 'test',
      start: '2027-12-25T02:30:00+01:00',
      end: '2028-01-25T02:30:00+01:00',
    });
    // Saturday 25 Dec 02:30 + 1 day -> Sunday 26th 02:30: that Sunday's 01:30 has passed -> 2 January
    assert.deepEqual(dec[2], {
      kind: 'production',
      start: '2028-01-02T01:30:00+01:00',
      end: '2028-01-02T03:30:00+01:00',
    });
  });

  test('a freeze time that does not exist or exists twice', () => {
    const p = policy({ freeze: { dayOfMonth: 28, time: '02:30' } });
    // 2027-03-28 02:30 is skipped: 03:30 CEST
    assert.equal(
      freezeOf(p, Temporal.PlainYearMonth.from('2027-03')).toString(),
      '2027-03-28T03:30:00+02:00[Europe/Zurich]',
    );
    // 2029-10-28 02:30 happens twice: the first (CEST)
    assert.equal(
      freezeOf(p, Temporal.PlainYearMonth.from('2029-10')).toString(),
      '2029-10-28T02:30:00+02:00[Europe/Zurich]',
    );
  });

  test('the range: an entry that overlaps it is listed, one that ends before it is not', () => {
    // from inside May 2027's test window: the freeze of the 1st is not listed, the window is
    const got = maintenanceCalendar(swiss, {
      ...range('2027-05-03T12:00:00+02:00', '2027-05-04T00:00:00+02:00'),
      customers: [],
      all: false,
    });
    assert.deepEqual(got, [
      { kind: 'test', start: '2027-05-03T08:00:00+02:00', end: '2027-05-03T18:00:00+02:00' },
    ]);
  });
});
