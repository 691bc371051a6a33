/** The worker's job batches with a fake for every port: each record is delivered, retried later, or dead-lettered, once. */
import { outcomeQuery } from '../../../cli/commands/status';
import type { DeliveryJobMessage } from '../../../lambda/contract';
import { DEFAULT_SETTINGS, TokenPacer } from '../../../lambda/core';
import { type JobRecord, processJobs, type WorkerDeps } from '../../../lambda/triggers/sqs/jobs';
import { failure, FakeClock, FakeGuard, FakeJobQueue, FakeReporter, RecordingLogger, ScriptedProvider, StaticTokens } from '../../support/fakes';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function job(n: number, overrides: Partial<DeliveryJobMessage> = {}): DeliveryJobMessage {
  return {
    version: 1, channel: 'whatsapp', campaign: { applicationId: 'app', campaignId: 'c1' }, endpointId: `e${n}`, recipient: `1555000${String(n).padStart(4, '0')}`,
    message: { type: 'text', text: { body: `hi ${n}` } }, idempotencyKey: `key-${n}`, enqueuedAt: '2026-11-23T09:59:00Z', ...overrides,
  };
}

function record(n: number, body: unknown = job(n), receiveCount = 1): JobRecord {
  return { messageId: `m${n}`, receiptHandle: `rh${n}`, body: typeof body === 'string' ? body : JSON.stringify(body), receiveCount };
}

function setup() {
  const clock = new FakeClock(NOW);
  // The fake provider sends to the endpoint's Address: here the job's recipient.
  const provider = new ScriptedProvider(clock, 10);
  const queue = new FakeJobQueue();
  const reporter = new FakeReporter();
  const guard = new FakeGuard();
  const logger = new RecordingLogger();
  const deps = (extra: Partial<WorkerDeps> = {}): WorkerDeps => ({
    provider, tokens: new StaticTokens('token'), clock, logger, deadline: NOW + 60_000, random: () => 0.5, channel: 'whatsapp', queue, reporter, guard,
    settings: { ...DEFAULT_SETTINGS, retry: { ...DEFAULT_SETTINGS.retry, maxAttempts: 1 } }, ...extra,
  });
  return { clock, provider, queue, reporter, guard, logger, deps };
}

describe('processJobs', () => {
  test('a malformed job goes to the dead-letter queue with one log line, and its batch-mates are delivered', async () => {
    // GIVEN a batch with good jobs around one that is not JSON and one with no recipient
    const { provider, queue, logger, deps } = setup();
    const records = [record(1), record(2, '{"version":'), record(3, { ...job(3), recipient: undefined }), record(4)];
    // WHEN processed
    const outcome = await processJobs(records, deps());
    // THEN the good ones are delivered, the bad ones dead-lettered as they came, and no record is retried
    expect(provider.sent.map((r) => r.recipient)).toEqual([job(1).recipient, job(4).recipient]);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(queue.deadLetters.map((l) => [l.id, l.errorCode, l.permanent, l.body])).toEqual([
      ['m2', 'malformed_job', true, '{"version":'], ['m3', 'malformed_job', true, records[2].body],
    ]);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.extra.problem)).toEqual([
      'the job is not JSON', 'recipient must be a string of 1 to 64 characters',
    ]);
    expect(outcome.summary).toMatchObject({ jobs: 4, delivered: 2, failed: 0, malformed: 2, deadLettered: 2 });
  });

  test('a job for another channel is not sent: it is dead-lettered', async () => {
    const { provider, queue, deps } = setup();
    await processJobs([record(1, job(1, { channel: 'messenger' }))], deps());
    expect(provider.sent).toHaveLength(0);
    expect(queue.deadLetters[0].reason).toBe('the job is for messenger, and this worker sends whatsapp');
  });

  test('an expired job is dropped unsent, counted and reported, not retried', async () => {
    const { provider, reporter, deps } = setup();
    const outcome = await processJobs([record(1, job(1, { expiresAt: '2026-11-23T09:00:00Z' })), record(2)], deps());
    expect(provider.sent.map((r) => r.recipient)).toEqual([job(2).recipient]);
    expect(outcome).toMatchObject({ batchItemFailures: [], summary: { expired: 1, delivered: 1, failed: 1 } });
    expect(reporter.calls[0].results.map((r) => [r.endpointId, r.status, r.errorCode])).toEqual([['e1', 'failed', 'expired'], ['e2', 'delivered', undefined]]);
  });

  test('a transient failure is put back with a growing delay, as a retry, not a failure', async () => {
    const { provider, queue, deps } = setup();
    provider.script(job(1).recipient, failure('retry', 'http_503'));
    provider.script(job(2).recipient, failure('retry', 'http_503'));
    const outcome = await processJobs([record(1, job(1), 1), record(2, job(2), 4)], deps());
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    // base 2 s doubling per receive (2 s on the first, 16 s on the fourth), with jitter 0.5: 2 s and 12 s
    expect(queue.delayed).toEqual([{ receiptHandle: 'rh1', delaySeconds: 2 }, { receiptHandle: 'rh2', delaySeconds: 12 }]);
    expect(outcome.summary).toMatchObject({ retried: 2, deadLettered: 0, delivered: 0 });
    expect(queue.deadLetters).toEqual([]);
  });

  test('a job whose delivery stays "in progress" is retried while it may be a twin at work, then dead-lettered as uncertain', async () => {
    // GIVEN a record the duplicate check keeps in progress (an earlier attempt died during its send)
    const { guard, queue, deps } = setup();
    guard.answer.set('key-1', { kind: 'in-progress' });
    // WHEN it comes before and at its last receive
    const early = await processJobs([record(1, job(1), 1)], deps());
    const last = await processJobs([record(1, job(1), 8)], deps());
    // THEN first it waits; at the end it goes to the dead-letter queue flagged uncertain, so that a redrive holds it unless asked
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(last.batchItemFailures).toEqual([]);
    expect(queue.deadLetters.map(({ errorCode, permanent, uncertain }) => ({ errorCode, permanent, uncertain }))).toEqual([
      { errorCode: 'in_progress_elsewhere', permanent: false, uncertain: true },
    ]);
  });

  test('throttling slows the pacer and retries the job; the pair-rate limit delays only that recipient', async () => {
    const { provider, queue, clock, deps } = setup();
    const pacer = new TokenPacer(clock, { ratePerSecond: 40 });
    provider.script(job(1).recipient, failure('retry', '130429', true));
    provider.script(job(2).recipient, failure('retry', '131056', true));
    const outcome = await processJobs([record(1), record(2), record(3)], deps({ pacer }));
    expect(pacer.currentRate).toBeLessThan(40);
    expect(outcome.summary).toMatchObject({ throttled: 2, retried: 2, delivered: 1 });
    expect(queue.delayed.find((d) => d.receiptHandle === 'rh2')).toEqual({ receiptHandle: 'rh2', delaySeconds: 8 });
  });

  test('permanent, uncertain and exhausted jobs go to the dead-letter queue with their last error; nothing of them is retried', async () => {
    const { provider, queue, deps } = setup();
    provider.script(job(1).recipient, failure('permanent', '131026'));
    provider.script(job(2).recipient, { ok: false, disposition: 'defer', errorCode: 'timeout', detail: 'no answer', throttled: false, mayHaveBeenSent: true });
    provider.script(job(3).recipient, failure('retry', 'http_503'));
    const outcome = await processJobs([record(1), record(2), record(3, job(3), 8)], deps());
    expect(outcome.batchItemFailures).toEqual([]);
    expect(queue.deadLetters.map((l) => [l.id, l.errorCode, l.permanent, l.uncertain])).toEqual([
      ['m1', '131026', true, false], ['m2', 'timeout', false, true], ['m3', 'http_503', false, false],
    ]);
    const exhausted = JSON.parse(queue.deadLetters[2].body);
    expect(exhausted).toMatchObject({ endpointId: 'e3', attempts: 1, lastError: { code: 'http_503', reason: expect.stringContaining('gave up after 8 receives') } });
  });

  test('a job the dead-letter queue does not take is received again, never dropped', async () => {
    const { provider, queue, deps } = setup();
    provider.script(job(1).recipient, failure('permanent', '131026'));
    queue.refuseDeadLetters = true;
    const outcome = await processJobs([record(1), record(2, '[]')], deps());
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm1' }]);
  });

  test('the same job delivered twice by SQS messages its recipient once', async () => {
    const { provider, deps } = setup();
    await processJobs([record(1)], deps());
    const again = await processJobs([{ ...record(1), messageId: 'm1-again' }], deps());
    expect(provider.sentTo(job(1).recipient)).toHaveLength(1);
    expect(again.summary).toMatchObject({ delivered: 1, alreadyDelivered: 1 });
  });

  test('outcomes are reported once per campaign of the batch', async () => {
    const { reporter, deps } = setup();
    await processJobs([record(1), record(2, job(2, { campaign: { applicationId: 'app', campaignId: 'c2' } }))], deps());
    expect(reporter.calls.map((c) => [c.ids.campaignId, c.results.map((r) => r.endpointId)])).toEqual([['c1', ['e1']], ['c2', ['e2']]]);
  });

  test('one summary line per campaign of the batch, with the campaign\'s ids and a number for every field ops status adds up', async () => {
    // GIVEN two jobs of c1 (one delivered, one throttled) and one of c2 that is rejected for good
    const { provider, logger, deps } = setup();
    provider.script(job(2).recipient, failure('defer', '130429'));
    provider.script(job(3).recipient, failure('permanent', '131026'));
    const c2 = { applicationId: 'app', campaignId: 'c2' };
    // WHEN processed
    await processJobs([record(1), record(2), record(3, job(3, { campaign: c2 }))], deps());
    // THEN
    const lines = logger.lines.filter((l) => l.message === 'Batch finished').map((l) => l.extra);
    expect(lines).toEqual([
      { applicationId: 'app', campaignId: 'c1', source: 'worker', delivered: 1, failed: 0, retrying: 1, queued: 0, skipped: 0, alreadyDelivered: 0, reportFailed: 0 },
      { applicationId: 'app', campaignId: 'c2', source: 'worker', delivered: 0, failed: 1, retrying: 0, queued: 0, skipped: 0, alreadyDelivered: 0, reportFailed: 0 },
    ]);
    const query = outcomeQuery('c1');
    for (const field of [...query.matchAll(/sum\((\w+)\)/g)].map((m) => m[1])) expect(typeof lines[0][field]).toBe('number');
  });
});
