/**
 * The trigger-independent pipeline with a fake for every port: the job queues, reporting and the duplicate
 * guard are covered here without HTTP stand-ins or AWS.
 */
import { DEFAULT_SETTINGS, deliver, type DeliveryDeps, reject } from '../../../lambda/core';
import type { DeliveryJob, EndpointResult } from '../../../lambda/domain';
import { failure, FakeClock, FakeGuard, FakeJobQueue, FakeReporter, ok, RecordingLogger, ScriptedProvider, StaticTokens } from '../../support/fakes';

const IDS = { applicationId: 'app-1', campaignId: 'campaign-1' };

function job(n: number): DeliveryJob {
  const recipient = `1555000${String(n).padStart(4, '0')}`;
  return { endpointId: `e${n}`, channelType: 'CUSTOM', recipient, maskedRecipient: `***${recipient.slice(-4)}`, message: { type: 'text', n }, key: `key-${n}` };
}

function setup() {
  const clock = new FakeClock();
  const provider = new ScriptedProvider(clock, 50);
  const jobs = new FakeJobQueue();
  const reporter = new FakeReporter();
  const guard = new FakeGuard();
  const logger = new RecordingLogger();
  const deps = (extra: Partial<DeliveryDeps> = {}): DeliveryDeps => ({
    provider, tokens: new StaticTokens('token-1'), clock, logger, deadline: clock.now() + 12_000, random: () => 0.5,
    settings: DEFAULT_SETTINGS, jobs, reporter, guard, ...extra,
  });
  return { clock, provider, jobs, reporter, guard, logger, deps };
}

describe('pipeline: failures handed on', () => {
  test('a transient failure becomes a job on the job queue; a permanent or uncertain one goes to the dead-letter queue', async () => {
    // GIVEN one job that keeps failing transiently, one rejected for good, one that may have arrived
    const { provider, jobs, clock, deps } = setup();
    provider.script(job(1).recipient, ...Array(4).fill(failure('retry', 'http_503')));
    provider.script(job(2).recipient, failure('permanent', '131026'));
    provider.script(job(3).recipient, { ok: false, disposition: 'defer', errorCode: 'timeout', detail: 'no answer', throttled: false, mayHaveBeenSent: true });
    // WHEN delivered
    const { results, summary } = await deliver(IDS, [job(0), job(1), job(2), job(3)], deps());
    // THEN the statuses say where each one is
    expect(results.map((r) => r.status)).toEqual(['delivered', 'retrying', 'failed', 'failed']);
    expect(summary).toMatchObject({ delivered: 1, retrying: 1, failed: 2, unsaved: 0 });
    // and the retried job is a job of the contract: same key, recipient, rendered message, ids, history
    expect(jobs.jobs()).toEqual([{
      version: 1, channel: 'scripted', campaign: IDS, endpointId: 'e1', recipient: job(1).recipient, message: job(1).message, idempotencyKey: 'key-1',
      enqueuedAt: new Date(clock.now()).toISOString(), channelType: 'CUSTOM', attempts: 4, lastError: { code: 'http_503', reason: 'scripted http_503' },
    }]);
    expect(jobs.enqueued[0].delaySeconds).toBeGreaterThanOrEqual(1);
    // and the dead letters are flagged for the redrive, with the same job format
    expect(jobs.deadLetters.map(({ id, errorCode, permanent, uncertain }) => ({ id, errorCode, permanent, uncertain }))).toEqual([
      { id: 'e2', errorCode: '131026', permanent: true, uncertain: false },
      { id: 'e3', errorCode: 'timeout', permanent: false, uncertain: true },
    ]);
    expect(JSON.parse(jobs.deadLetters[1].body)).toMatchObject({ version: 1, endpointId: 'e3', idempotencyKey: 'key-3', attempts: 1 });
  });

  test('the pair-rate limit (131056) waits its fixed 8 seconds on the queue', async () => {
    const { provider, jobs, deps } = setup();
    provider.script(job(1).recipient, ...Array(4).fill(failure('defer', '131056')));
    await deliver(IDS, [job(1)], deps());
    expect(jobs.enqueued.map((j) => j.delaySeconds)).toEqual([8]);
  });

  test('what the queues refuse stays failed and retryable, is counted, and is logged once', async () => {
    const { provider, jobs, logger, deps } = setup();
    for (const n of [1, 2]) provider.script(job(n).recipient, failure('defer', '131049'));
    jobs.refuse.add('e2');
    const { results, summary } = await deliver(IDS, [job(1), job(2)], deps());
    expect(results.map((r) => [r.status, r.retryable])).toEqual([['retrying', true], ['failed', true]]);
    expect(results[1].reason).toBe('scripted 131049 (not saved: the queues did not take it)');
    expect(summary.unsaved).toBe(1);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ extra: { endpoints: ['e2'] } })]);
  });

  test('unreachable queues lose nothing: every failure is reported failed, retryable as it was', async () => {
    const { provider, jobs, deps } = setup();
    provider.script(job(1).recipient, failure('defer', '131049'));
    provider.script(job(2).recipient, failure('permanent', '131026'));
    jobs.unreachable = true;
    const { results, summary } = await deliver(IDS, [job(0), job(1), job(2)], deps());
    expect(results.map((r) => [r.status, r.retryable])).toEqual([['delivered', undefined], ['failed', true], ['failed', false]]);
    expect(results[1].reason).toContain('not saved');
    expect(summary.unsaved).toBe(2);
  });

  test('without a job queue, failures stay failed and nothing is counted as unsaved', async () => {
    const { provider, deps } = setup();
    provider.script(job(1).recipient, failure('defer', '131049'));
    const { results, summary } = await deliver(IDS, [job(1)], deps({ jobs: undefined }));
    expect(results[0].status).toBe('failed');
    expect(summary.unsaved).toBe(0);
  });
});

describe('pipeline: reporting', () => {
  test('every final outcome is reported once, after the failures are handed on, with the campaign ids and the clock\'s time', async () => {
    const { provider, reporter, clock, deps } = setup();
    provider.script(job(1).recipient, failure('defer', '131049'));
    const decided: EndpointResult = { endpointId: 'e9', status: 'skipped', reason: 'opted_out', attempts: 0 };
    await deliver(IDS, [job(0), job(1), decided], deps());
    expect(reporter.calls).toHaveLength(1);
    expect(reporter.calls[0].ids).toEqual(IDS);
    expect(reporter.calls[0].results.map((r) => [r.endpointId, r.status])).toEqual([['e0', 'delivered'], ['e1', 'retrying'], ['e9', 'skipped']]);
    expect(reporter.calls[0].timestamp.getTime()).toBe(clock.now());
  });

  test('a reporter that fails or throws changes nothing in the delivery; the unreported endpoints are counted', async () => {
    const { reporter, logger, deps } = setup();
    reporter.failing = 1;
    const partly = await deliver(IDS, [job(0), job(1)], deps());
    expect(partly.summary).toMatchObject({ delivered: 2, reportFailed: 1 });
    reporter.throws = true;
    const thrown = await deliver(IDS, [job(2), job(3)], deps());
    expect(thrown.summary).toMatchObject({ delivered: 2, reportFailed: 2 });
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.extra.error)).toEqual([undefined, 'ServiceUnavailable']);
  });

  test('a rejected event is reported too: every endpoint it names fails with the reason, and nothing is sent', async () => {
    const { provider, reporter, deps } = setup();
    const { results, summary } = await reject(IDS, [{ endpointId: 'a' }, { endpointId: 'b', channelType: 'SMS' }], 'invalid_event', 'Data is missing', deps());
    expect(provider.sent).toHaveLength(0);
    expect(results.map((r) => [r.endpointId, r.status, r.errorCode, r.channelType, r.retryable])).toEqual([
      ['a', 'failed', 'invalid_event', undefined, false], ['b', 'failed', 'invalid_event', 'SMS', false],
    ]);
    expect(reporter.calls[0].results).toEqual(results);
    expect(summary).toMatchObject({ endpoints: 2, failed: 2 });
  });
});

describe('pipeline: the duplicate guard', () => {
  test('a repeated batch sends nothing twice: delivered ones are answered from the record, uncertain ones are left alone', async () => {
    // GIVEN a first run in which one request went unanswered
    const { provider, deps } = setup();
    provider.script(job(1).recipient, { ok: false, disposition: 'defer', errorCode: 'timeout', detail: 'no answer', throttled: false, mayHaveBeenSent: true });
    provider.script(job(2).recipient, failure('permanent', '131026'));
    await deliver(IDS, [job(0), job(1), job(2)], deps());
    const sentBefore = provider.sent.length;
    // WHEN the same jobs come again
    const again = await deliver(IDS, [job(0), job(1), job(2)], deps());
    // THEN only the one that surely did not arrive (rejected, so forgotten) is sent again
    expect(provider.sent.length - sentBefore).toBe(1);
    expect(provider.sent.at(-1)!.recipient).toBe(job(2).recipient);
    expect(again.results.map((r) => [r.status, r.reason])).toEqual([
      ['delivered', 'already_delivered'], ['skipped', 'uncertain_earlier'], ['delivered', undefined],
    ]);
    expect(again.summary.alreadyDelivered).toBe(1);
  });

  test('in progress elsewhere is skipped; an unreadable record sends nothing and fails retryable; a job without a key bypasses the guard', async () => {
    const { provider, guard, deps } = setup();
    guard.answer.set('key-0', { kind: 'in-progress' });
    guard.answer.set('key-1', { kind: 'unavailable', reason: 'ProvisionedThroughputExceededException' });
    const { results } = await deliver(IDS, [job(0), job(1), { ...job(2), key: undefined }], deps());
    expect(results.map((r) => [r.status, r.errorCode ?? r.reason, r.retryable])).toEqual([
      ['skipped', 'in_progress_elsewhere', undefined], ['retrying', 'idempotency_unavailable', true], ['delivered', undefined, undefined],
    ]);
    expect(provider.sent.map((r) => r.recipient)).toEqual([job(2).recipient]);
    expect(guard.keys).toEqual(['key-0', 'key-1']);
  });

  test('results keep the order of the items, whatever order the sends finish in', async () => {
    const { provider, deps } = setup();
    provider.script(job(0).recipient, failure('retry', 'http_500'), ok('late'));
    const decided: EndpointResult = { endpointId: 'x', status: 'failed', errorCode: 'missing_placeholder', attempts: 0, retryable: false };
    const { results } = await deliver(IDS, [job(0), decided, job(1)], deps());
    expect(results.map((r) => r.endpointId)).toEqual(['e0', 'x', 'e1']);
    expect(results[0].messageId).toBe('late');
  });
});

describe('pipeline: configuration problems', () => {
  test('an endpoint failed by the configuration (a token the provider keeps rejecting) is retried later, not dead-lettered as permanent', async () => {
    const { provider, jobs, deps } = setup();
    provider.script(job(1).recipient, failure('configuration', 'redirect'));
    const { results } = await deliver(IDS, [job(1)], deps());
    expect(results[0]).toMatchObject({ status: 'retrying', retryable: true, configurationProblem: true, attempts: 1 });
    expect(jobs.jobs()[0]).toMatchObject({ attempts: 1, lastError: { code: 'redirect' } });
    expect(jobs.deadLetters).toEqual([]);
    expect(provider.sent).toHaveLength(1);
  });
});

describe('pipeline: what reaches the logs', () => {
  test('an endpoint id made from a phone number is masked in every log line, and kept whole in the results', async () => {
    const { provider, logger, deps } = setup();
    const numbered = (n: number, status: 'ok' | 'fail') => {
      const base = job(n);
      if (status === 'fail') provider.script(base.recipient, failure('permanent', '131026'));
      return { ...base, endpointId: `custom-${base.recipient}` };
    };
    const skippedOne: EndpointResult = { endpointId: 'custom-15550009999', status: 'skipped', reason: 'opted_out', attempts: 0 };
    const { results } = await deliver(IDS, [numbered(1, 'ok'), numbered(2, 'fail'), skippedOne], deps());
    expect(results.map((r) => r.endpointId)).toEqual([`custom-${job(1).recipient}`, `custom-${job(2).recipient}`, 'custom-15550009999']);
    const logged = JSON.stringify(logger.lines);
    for (const n of [job(1).recipient, job(2).recipient, '15550009999']) expect(logged).not.toContain(n);
    expect(logged).toContain('custom-***0002');
  });
});
