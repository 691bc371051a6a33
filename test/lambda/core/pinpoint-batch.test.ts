import { deliverBatch } from '../../../lambda/triggers/pinpoint/batch';
import { DEFAULT_SETTINGS, DeliveryDeps, mapConcurrent } from '../../../lambda/core';
import { TokenUnavailableError } from '../../../lambda/domain';
import { endpoint, endpointId, pinpointEvent } from '../../support/events';
import { parseDeliveryJob } from '../../../lambda/contract';
import { failure, FakeClock, FakeJobQueue, FakeReporter, ok, RecordingLogger, ScriptedProvider, StaticTokens } from '../../support/fakes';

/** The fake provider uses the Address as the recipient. */
const address = (index: number) => endpoint(index).Address as string;

function setup(options: { latencyMs?: number; budgetMs?: number; tokens?: StaticTokens } = {}) {
  const clock = new FakeClock();
  const provider = new ScriptedProvider(clock, options.latencyMs ?? 100, 'whatsapp');
  const logger = new RecordingLogger();
  const tokens = options.tokens ?? new StaticTokens('token-1');
  const deps = (): DeliveryDeps => ({
    provider, tokens, clock, logger, deadline: clock.now() + (options.budgetMs ?? 12_000), random: () => 0.5, settings: DEFAULT_SETTINGS,
  });
  return { clock, provider, logger, tokens, deps };
}

describe('deliverBatch', () => {
  test('delivers every endpoint and answers in Pinpoint\'s format, at most 5 attributes each', async () => {
    // GIVEN a batch of 50 endpoints and a provider that accepts everything
    const { provider, deps } = setup();
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(50), deps());
    // THEN every endpoint was sent once and reported delivered with its message id
    expect(provider.sent).toHaveLength(50);
    expect(Object.keys(outcome.response)).toHaveLength(50);
    expect(outcome.response[endpointId(7)]).toEqual({ EventAttributes: { status: 'delivered', message_id: 'mid-0007', attempts: '1' } });
    for (const { EventAttributes } of Object.values(outcome.response)) expect(Object.keys(EventAttributes).length).toBeLessThanOrEqual(5);
    expect(outcome.summary).toMatchObject({ endpoints: 50, delivered: 50, failed: 0, skipped: 0, retried: 0, throttled: 0 });
  });

  test('sends each endpoint its own rendered message', async () => {
    const { provider, deps } = setup();
    await deliverBatch(pinpointEvent(2), deps());
    expect(provider.sentTo(address(1))[0].message).toMatchObject({ template: { components: [{ parameters: [{ text: 'Person1' }, { text: 'item 1' }] }] } });
  });

  test('retries transient failures with backoff, and never retries permanent ones', async () => {
    // GIVEN one endpoint throttled once, one failing twice with 5xx, one permanently rejected
    const { provider, clock, deps } = setup();
    provider.script(address(0), failure('retry', '130429', true), ok('m0'));
    provider.script(address(1), failure('retry', 'http_500'), failure('retry', 'http_503'), ok('m1'));
    provider.script(address(2), failure('permanent', '131026'));
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(3), deps());
    // THEN
    expect(provider.sentTo(address(0))).toHaveLength(2);
    expect(provider.sentTo(address(1))).toHaveLength(3);
    expect(provider.sentTo(address(2))).toHaveLength(1);
    expect(outcome.results.map((r) => [r.status, r.attempts, r.errorCode])).toEqual([
      ['delivered', 2, undefined], ['delivered', 3, undefined], ['failed', 1, '131026'],
    ]);
    expect(outcome.response[endpointId(2)].EventAttributes).toEqual({
      status: 'failed', error_code: '131026', reason: 'scripted 131026', attempts: '1', retryable: 'false',
    });
    expect(outcome.summary).toMatchObject({ delivered: 2, failed: 1, retried: 3, throttled: 1 });
    // Backoffs with random 0.5: throttled base 400 -> 200; then 100 -> 50, 200 -> 100
    expect([...clock.sleeps].sort((a, b) => a - b)).toEqual([50, 100, 200]);
  });

  test('gives up after maxAttempts and reports the last error as retryable', async () => {
    const { provider, deps } = setup();
    provider.script(address(0), ...Array.from({ length: 10 }, () => failure('retry', '131000')));
    const outcome = await deliverBatch(pinpointEvent(1), deps());
    expect(provider.sent).toHaveLength(DEFAULT_SETTINGS.retry.maxAttempts);
    expect(outcome.results[0]).toMatchObject({ status: 'failed', errorCode: '131000', attempts: 4, retryable: true });
  });

  test('a deferred failure (a timeout that may have been delivered) is not retried within the batch', async () => {
    const { provider, deps } = setup();
    provider.script(address(0), failure('defer', 'timeout'));
    const outcome = await deliverBatch(pinpointEvent(1), deps());
    expect(provider.sent).toHaveLength(1);
    expect(outcome.results[0]).toMatchObject({ status: 'failed', errorCode: 'timeout', retryable: true });
  });

  test('stops retrying when the next attempt could not finish before the deadline', async () => {
    // GIVEN 1 s of budget, 400 ms per request and a provider that keeps failing
    const { provider, deps } = setup({ budgetMs: 1000, latencyMs: 400 });
    provider.script(address(0), ...Array.from({ length: 10 }, () => failure('retry', 'http_503')));
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(1), deps());
    // THEN it stops while there is still time to answer, reporting why
    expect(provider.sent.length).toBeLessThan(DEFAULT_SETTINGS.retry.maxAttempts);
    expect(outcome.results[0]).toMatchObject({ status: 'failed', errorCode: 'http_503', retryable: true });
    expect(outcome.results[0].reason).toContain('out of time to retry');
  });

  test('an endpoint whose turn comes after the deadline is reported, not dropped', async () => {
    // GIVEN one request at a time, 400 ms each, 1 s of budget, and 5 endpoints
    const { provider, deps } = setup({ budgetMs: 1000, latencyMs: 400 });
    const outcome = await deliverBatch(pinpointEvent(5), { ...deps(), settings: { ...DEFAULT_SETTINGS, concurrency: 1 } });
    // THEN the ones that could not start are failed with deadline_exceeded and nothing is lost
    expect(provider.sent).toHaveLength(2);
    expect(outcome.results.map((r) => r.errorCode ?? r.status)).toEqual(['delivered', 'delivered', 'deadline_exceeded', 'deadline_exceeded', 'deadline_exceeded']);
    expect(outcome.results[4]).toMatchObject({ attempts: 0, retryable: true });
  });

  test('on auth error 190 the secret is re-read once for the whole batch, and the new token is used', async () => {
    // GIVEN a rotated token: the cached one is rejected, the secret now holds another
    const tokens = new StaticTokens('old-token', 'new-token');
    const { provider, deps } = setup({ tokens });
    for (let i = 0; i < 5; i += 1) provider.script(address(i), failure('refresh-token', '190'), ok(`m${i}`));
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(5), deps());
    // THEN one refresh, and every endpoint is delivered with the new token
    expect(tokens.refreshes).toBe(1);
    expect(outcome.summary.delivered).toBe(5);
    expect(provider.sent.filter((r) => r.token === 'new-token')).toHaveLength(5);
  });

  test('when the re-read secret holds the same rejected token, the endpoints fail with 190 as a configuration problem: retryable, and logged once for the batch', async () => {
    // GIVEN a secret that still holds the placeholder, which the provider rejects for every endpoint
    const tokens = new StaticTokens('placeholder');
    const { provider, logger, deps } = setup({ tokens });
    for (let i = 0; i < 5; i += 1) provider.script(address(i), failure('refresh-token', '190'), ok());
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(5), deps());
    // THEN nothing was sent twice, every endpoint can be resent once the token is fixed
    expect(provider.sent).toHaveLength(5);
    for (const result of outcome.results) {
      expect(result).toMatchObject({ status: 'failed', errorCode: '190', retryable: true, mayHaveBeenSent: false, configurationProblem: true });
    }
    // and the cause is logged once, not once per endpoint
    expect(logger.lines.filter((l) => l.level === 'error' && l.message.includes('put a valid token into the secret'))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.level === 'error' && l.message.includes('configuration must be fixed'))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.message === 'Delivery failed')).toHaveLength(0);
  });

  test('skips endpoints that must not be messaged, with the reason', async () => {
    // GIVEN endpoints opted out, inactive, without an address
    const event = pinpointEvent(1, {
      endpoints: {
        optedOut: endpoint(10, { OptOut: 'ALL' }),
        inactive: endpoint(11, { EndpointStatus: 'INACTIVE' }),
        noAddress: endpoint(12, { Address: undefined }),
      },
    });
    const { provider, deps } = setup();
    // WHEN delivered
    const outcome = await deliverBatch(event, deps());
    // THEN only the good one is sent
    expect(provider.sent).toHaveLength(1);
    expect(Object.fromEntries(Object.entries(outcome.response).map(([id, r]) => [id, r.EventAttributes.reason ?? r.EventAttributes.status]))).toEqual({
      [endpointId(0)]: 'delivered', optedOut: 'opted_out', inactive: 'inactive', noAddress: 'no_address',
    });
    expect(outcome.summary).toMatchObject({ delivered: 1, skipped: 3 });
  });

  test('a placeholder with no value fails that endpoint only', async () => {
    const event = pinpointEvent(2, { endpoints: { nameless: endpoint(5, { User: { UserId: 'u5', UserAttributes: {} } }) } });
    const { provider, deps } = setup();
    const outcome = await deliverBatch(event, deps());
    expect(provider.sent).toHaveLength(2);
    expect(outcome.response.nameless.EventAttributes).toMatchObject({ status: 'failed', error_code: 'missing_placeholder', reason: 'no value for {{User.UserAttributes.FirstName}}' });
  });

  test.each([
    ['Data that is not JSON', { ...pinpointEvent(3), Data: 'not json' }, 'invalid_event', 'Data is not valid JSON'],
    ['Data without a type', pinpointEvent(3, { message: { text: { body: 'hi' } } }), 'invalid_data', 'has no "type"'],
    ['an unsupported placeholder', pinpointEvent(3, { message: { type: 'text', text: { body: '{{FirstName}}' } } }), 'invalid_data', 'unsupported placeholders {{FirstName}}'],
  ])('a bad event (%s) sends nothing, logs one clear line, and answers for every endpoint', async (_name, event, code, problem) => {
    const { provider, logger, deps } = setup();
    const outcome = await deliverBatch(event, deps());
    expect(provider.sent).toHaveLength(0);
    const ids = Object.keys(event.Endpoints as object);
    expect(Object.keys(outcome.response)).toEqual(ids);
    for (const id of ids) expect(outcome.response[id].EventAttributes).toMatchObject({ status: 'failed', error_code: code });
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain(problem);
  });

  test('an event far over Pinpoint\'s 50 endpoints sends nothing, reports nothing, and answers in a bounded way', async () => {
    // GIVEN 10,000 endpoints, which Pinpoint never sends
    const { provider, logger, deps } = setup();
    const reporter = new FakeReporter();
    // WHEN delivered
    const outcome = await deliverBatch(pinpointEvent(10_000), { ...deps(), reporter });
    // THEN one log line, no PutEvents, no per-endpoint answer
    expect(provider.sent).toHaveLength(0);
    expect(reporter.calls).toHaveLength(0);
    expect(outcome.response).toEqual({});
    expect(JSON.stringify(outcome.response).length).toBeLessThan(100);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'Rejected the event: Endpoints has 10000 entries, more than the 50 Pinpoint sends at once; none was answered',
    ]);
  });

  test.each(['constructor', '__proto__', 'prototype'])('an endpoint with the id %s fails alone; the others are delivered', async (reserved) => {
    const { provider, deps } = setup();
    const event = pinpointEvent(2);
    const endpoints = JSON.parse(`{"${reserved}": ${JSON.stringify(endpoint(9))}}`);
    Object.assign(endpoints, event.Endpoints);
    const outcome = await deliverBatch({ ...event, Endpoints: endpoints }, deps());
    expect(provider.sent).toHaveLength(2);
    expect(Object.getOwnPropertyDescriptor(outcome.response, reserved)?.value.EventAttributes).toMatchObject({ status: 'failed', error_code: 'invalid_endpoint' });
    expect(outcome.summary).toMatchObject({ delivered: 2, failed: 1 });
    expect(({} as Record<string, unknown>).Address).toBeUndefined();
  });

  test('an event that is not an object answers with an empty response and does not throw', async () => {
    const { deps } = setup();
    await expect(deliverBatch(undefined, deps())).resolves.toMatchObject({ response: {}, eventProblem: 'the event is not an object' });
  });

  test('throws only when the token cannot be read, before anything is sent', async () => {
    const { provider, deps } = setup();
    const tokens = { get: () => Promise.reject(new TokenUnavailableError('no access')), refresh: () => Promise.reject(new Error()) };
    await expect(deliverBatch(pinpointEvent(3), { ...deps(), tokens })).rejects.toThrow(TokenUnavailableError);
    expect(provider.sent).toHaveLength(0);
  });

  test('does not read the token when nothing is to be sent', async () => {
    const { deps } = setup();
    const tokens = { get: jest.fn(), refresh: jest.fn() };
    await deliverBatch(pinpointEvent(0, { endpoints: { a: endpoint(1, { OptOut: 'ALL' }) } }), { ...deps(), tokens });
    expect(tokens.get).not.toHaveBeenCalled();
  });

  test('an unexpected error while sending one endpoint is reported for it alone', async () => {
    const { provider, deps } = setup();
    const send = provider.send.bind(provider);
    provider.send = async (request) => (request.recipient === address(1) ? Promise.reject(new Error('boom')) : send(request));
    const outcome = await deliverBatch(pinpointEvent(3), deps());
    expect(outcome.results.map((r) => r.status)).toEqual(['delivered', 'failed', 'delivered']);
    expect(outcome.results[1]).toMatchObject({ errorCode: 'internal_error', retryable: true });
  });

  test('counts endpoints per channel type as the AWS example does', async () => {
    const event = pinpointEvent(2, {
      endpoints: {
        sms: endpoint(3, { ChannelType: 'SMS' }), email: endpoint(4, { ChannelType: 'EMAIL', Address: 'a@example.com' }),
        voice: endpoint(5, { ChannelType: 'VOICE' }), push: endpoint(6, { ChannelType: 'GCM' }),
      },
    });
    const { deps } = setup();
    const outcome = await deliverBatch(event, deps());
    expect(outcome.summary.channelTypes).toEqual({ CUSTOM: 2, SMS: 1, EMAIL: 1, VOICE: 1, PUSH: 1 });
  });

  test('logs never hold a full address or the token', async () => {
    const { provider, logger, deps } = setup();
    provider.script(address(0), failure('permanent', '131026'));
    await deliverBatch(pinpointEvent(3), deps());
    const text = JSON.stringify(logger.lines);
    for (let i = 0; i < 3; i += 1) expect(text).not.toContain(address(i).slice(1));
    expect(text).not.toContain('token-1');
    expect(text).toContain('***0000');
  });
});

describe('mapConcurrent', () => {
  test('never has more than the limit in flight, and keeps the order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapConcurrent(Array.from({ length: 20 }, (_, i) => i), 4, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
      inFlight -= 1;
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});

describe('deliverBatch in queued mode', () => {
  test('checks and renders each endpoint, enqueues one job per endpoint in the job contract, sends nothing, and answers queued', async () => {
    // GIVEN a batch with two good endpoints, one opted out and one missing a placeholder value
    const { provider, deps } = setup();
    const jobs = new FakeJobQueue();
    const event = pinpointEvent(2, { endpoints: { out: endpoint(7, { OptOut: 'ALL' }), nameless: endpoint(8, { User: { UserAttributes: {} } }) } });
    // WHEN delivered in queued mode
    const outcome = await deliverBatch(event, { ...deps(), jobs }, 'queued');
    // THEN nothing was sent; the two good endpoints are queued as valid jobs, the others answered as before
    expect(provider.sent).toHaveLength(0);
    expect(Object.fromEntries(Object.entries(outcome.response).map(([id, r]) => [id, r.EventAttributes.status]))).toEqual({
      [endpointId(0)]: 'queued', [endpointId(1)]: 'queued', out: 'skipped', nameless: 'failed',
    });
    expect(outcome.summary).toMatchObject({ queued: 2, skipped: 1, failed: 1, delivered: 0 });
    const parsed = jobs.enqueued.map((job) => parseDeliveryJob(job.body));
    expect(parsed.every((p) => p.ok)).toBe(true);
    expect(parsed.map((p) => p.ok && [p.job.endpointId, p.job.recipient, p.job.idempotencyKey])).toEqual([
      [endpointId(0), address(0), expect.stringContaining(`/${endpointId(0)}`)], [endpointId(1), address(1), expect.stringContaining(`/${endpointId(1)}`)],
    ]);
    expect(parsed[1].ok && parsed[1].job.message).toMatchObject({ template: { components: [{ parameters: [{ text: 'Person1' }, { text: 'item 1' }] }] } });
  });

  test('a job the queue does not take is reported failed and retryable, not queued', async () => {
    const { deps } = setup();
    const jobs = new FakeJobQueue();
    jobs.enqueue = async (items) => new Set(items.slice(1).map((item) => item.id));
    const outcome = await deliverBatch(pinpointEvent(2), { ...deps(), jobs }, 'queued');
    expect(outcome.response[endpointId(0)].EventAttributes).toMatchObject({ status: 'failed', error_code: 'not_queued', retryable: 'true' });
    expect(outcome.response[endpointId(1)].EventAttributes.status).toBe('queued');
  });
});
