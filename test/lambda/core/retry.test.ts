import { backoffDelay, DEFAULT_RETRY_POLICY, fitsBeforeDeadline } from '../../../lambda/core';

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, throttledBaseDelayMs: 400, maxDelayMs: 2000 };

  test('the bound doubles per attempt up to the cap, and full jitter scales it', () => {
    // GIVEN the largest possible random draw
    const max = () => 0.999999;
    // THEN the delay approaches 100, 200, 400, ... capped at 2000
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, false, max))).toEqual([99, 199, 399, 799, 1599, 1999]);
    expect(backoffDelay(policy, 3, false, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 3, false, () => 0)).toBe(0);
  });

  test('throttling backs off from a larger base', () => {
    expect(backoffDelay(policy, 1, true, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 2, true, () => 0.5)).toBe(400);
  });

  test('a Retry-After is a floor', () => {
    expect(backoffDelay(policy, 1, true, () => 0.1, 1500)).toBe(1500);
    expect(backoffDelay(policy, 5, false, () => 0.99, 10)).toBe(1584);
  });
});

describe('fitsBeforeDeadline', () => {
  test('an attempt needs minAttemptMs after the delay', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, minAttemptMs: 300 };
    expect(fitsBeforeDeadline(policy, 1000, 200, 1500)).toBe(true);
    expect(fitsBeforeDeadline(policy, 1000, 201, 1500)).toBe(false);
  });
});
