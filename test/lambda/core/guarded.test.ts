/**
 * How the core groups the duplicate guard's calls: claims asked for in one turn of the event loop
 * go in one call, and results are recorded with one write in flight, on a controlled clock.
 */
import { ClaimGroups, RECORD_AFTER_MS, RecordGroups } from '../../../lambda/core/guarded';
import type { EndpointResult } from '../../../lambda/domain';
import { FakeClock, FakeGuard } from '../../support/fakes';

const signal = () => AbortSignal.timeout(5000);
const delivered = (n: number): EndpointResult => ({ endpointId: `e${n}`, status: 'delivered', messageId: `m${n}`, attempts: 1 });

describe('ClaimGroups', () => {
  test('GIVEN 50 claims asked for in one turn WHEN they are answered THEN the guard got one call, and a key asked twice is sent by its first asker only', async () => {
    const guard = new FakeGuard();
    const claims = new ClaimGroups(guard, signal);
    const outcomes = await Promise.all([...Array.from({ length: 50 }, (_, i) => claims.claim(`k${i}`)), claims.claim('k0')]);
    expect(guard.calls.claim).toBe(1);
    expect(outcomes.slice(0, 50).every((o) => o.kind === 'claimed')).toBe(true);
    expect(outcomes[50]).toEqual({ kind: 'in-progress' });
  });

  test('GIVEN claims asked for in two turns WHEN answered THEN two calls (a paced sender claims only what it is about to send)', async () => {
    const guard = new FakeGuard();
    const claims = new ClaimGroups(guard, signal);
    await claims.claim('a');
    await claims.claim('b');
    expect(guard.calls.claim).toBe(2);
  });

  test('GIVEN a guard that throws WHEN claimed THEN every key of the group is unavailable (nothing is sent)', async () => {
    const guard = new FakeGuard();
    guard.claim = async () => { throw Object.assign(new Error('down'), { name: 'Broken' }); };
    const claims = new ClaimGroups(guard, signal);
    expect(await Promise.all([claims.claim('a'), claims.claim('b')])).toEqual([{ kind: 'unavailable', reason: 'Broken' }, { kind: 'unavailable', reason: 'Broken' }]);
  });
});

describe('RecordGroups', () => {
  test('GIVEN results finishing within a second of each other WHEN flushed THEN one write holds them all', async () => {
    const guard = new FakeGuard();
    const clock = new FakeClock();
    const records = new RecordGroups(guard, clock, signal);
    for (let i = 0; i < 50; i += 1) {
      records.add({ key: `k${i}`, result: delivered(i) });
      clock.time += 10;
    }
    expect(guard.calls.settle).toBe(0);
    expect(await records.flush()).toBe(0);
    expect(guard.calls.settle).toBe(1);
    expect(guard.records.size).toBe(50);
  });

  test('GIVEN a paced batch WHEN a result has waited RECORD_AFTER_MS THEN what has finished is written while sends go on', async () => {
    const guard = new FakeGuard();
    const clock = new FakeClock();
    const records = new RecordGroups(guard, clock, signal);
    records.add({ key: 'a', result: delivered(1) });
    clock.time += RECORD_AFTER_MS;
    records.add({ key: 'b', result: delivered(2) });
    expect(guard.calls.settle).toBe(1);
    records.add({ key: 'c', result: delivered(3) });
    await records.flush();
    expect(guard.calls.settle).toBe(2);
    expect([...guard.records.keys()]).toEqual(['a', 'b', 'c']);
  });

  test('GIVEN a write that fails WHEN flushed THEN it answers how many were not recorded', async () => {
    const guard = new FakeGuard();
    guard.settle = async () => { throw new Error('down'); };
    const records = new RecordGroups(guard, new FakeClock(), signal);
    records.add({ key: 'a', result: delivered(1) });
    records.add({ key: 'b', result: delivered(2) });
    expect(await records.flush()).toBe(2);
  });
});
