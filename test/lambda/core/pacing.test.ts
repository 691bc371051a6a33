/** The pacer on a fake clock: even spacing, backing off on throttling, recovering without it. */
import { TokenPacer } from '../../../lambda/core';
import { FakeClock } from '../../support/fakes';

describe('TokenPacer', () => {
  test('spaces requests evenly at the rate, and lets a burst through after a pause', async () => {
    // GIVEN 10 per second, bursts of 3
    const clock = new FakeClock(0);
    const pacer = new TokenPacer(clock, { ratePerSecond: 10, burst: 3 });
    // WHEN 8 requests ask at once
    await Promise.all(Array.from({ length: 8 }, () => pacer.acquire()));
    // THEN the first three go at once and each of the rest waits one interval after the one before
    // (the fake clock moves on by every sleep, so each wait is counted from the previous start)
    expect(clock.sleeps).toEqual([100, 100, 100, 100, 100]);
    expect(clock.now()).toBe(500);
  });

  test('halves the rate on throttling, once per second however many answers say so, down to the floor', () => {
    const clock = new FakeClock(0);
    const pacer = new TokenPacer(clock, { ratePerSecond: 80, minRatePerSecond: 15 });
    pacer.onThrottled();
    pacer.onThrottled();
    pacer.onThrottled();
    expect(pacer.currentRate).toBe(40);
    clock.time += 1000;
    pacer.onThrottled();
    expect(pacer.currentRate).toBe(20);
    clock.time += 1000;
    pacer.onThrottled();
    expect(pacer.currentRate).toBe(15);
  });

  test('recovers about a tenth of the target per second of successes, never above the target', () => {
    const clock = new FakeClock(0);
    const pacer = new TokenPacer(clock, { ratePerSecond: 80 });
    pacer.onThrottled();
    expect(pacer.currentRate).toBe(40);
    // one second of successes at 40 per second gives back about 8
    for (let i = 0; i < 40; i += 1) pacer.onSuccess();
    expect(pacer.currentRate).toBeGreaterThan(47);
    expect(pacer.currentRate).toBeLessThan(49);
    for (let i = 0; i < 2000; i += 1) pacer.onSuccess();
    expect(pacer.currentRate).toBe(80);
  });

  test('a rate that is not positive is refused', () => {
    expect(() => new TokenPacer(new FakeClock(), { ratePerSecond: 0 })).toThrow('ratePerSecond must be above 0, got 0');
  });
});
