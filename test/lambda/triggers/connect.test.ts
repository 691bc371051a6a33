/** The Connect trigger with a fake for every port: each profile is answered once, in Connect's shape. */
import { DEFAULT_SETTINGS, type DeliveryDeps } from '../../../lambda/core';
import { type ConnectSettings, deliverConnectBatch } from '../../../lambda/triggers/connect/batch';
import { CONNECT_CONTEXT, CONNECT_TEMPLATE, connectEvent, customerData, DOCUMENTED_EXAMPLE_EVENT, profileId } from '../../support/connect-events';
import { phoneNumber } from '../../support/events';
import { FakeClock, FakeGuard, FakeJobQueue, RecordingLogger, ScriptedProvider, StaticTokens } from '../../support/fakes';

function setup(messages: ConnectSettings['messages'] = { '*': CONNECT_TEMPLATE }) {
  const clock = new FakeClock();
  const provider = new ScriptedProvider(clock, 10, 'whatsapp');
  const logger = new RecordingLogger();
  const guard = new FakeGuard();
  const jobs = new FakeJobQueue();
  const deps = (): DeliveryDeps => ({
    provider, tokens: new StaticTokens('token-1'), clock, logger, deadline: clock.now() + 12_000, random: () => 0.5, settings: DEFAULT_SETTINGS, guard, jobs,
  });
  const settings: ConnectSettings = { channel: 'whatsapp', messages, phoneFields: ['PhoneNumber', 'MobilePhoneNumber'], psidAttribute: 'facebookMessengerPsid' };
  return { provider, logger, guard, jobs, deps, settings };
}

const statusOf = (response: { Items: { CustomerProfiles: { Id: string; ResultData: Record<string, string> }[] } }) =>
  response.Items.CustomerProfiles.map((entry) => [entry.Id, entry.ResultData.status, entry.ResultData.errorCode ?? entry.ResultData.reason]);

describe('deliverConnectBatch', () => {
  test('every profile is delivered with its own placeholders, and answered once, in the order of the event', async () => {
    // GIVEN an event of three profiles
    const { provider, deps, settings } = setup();
    // WHEN delivered
    const outcome = await deliverConnectBatch(connectEvent(3), deps(), settings);
    // THEN each number got its own message (the fake provider sends to the number as the profile has it), and the answer has one entry per profile
    expect(provider.sent.map((r) => r.recipient)).toEqual([0, 1, 2].map((i) => `+${phoneNumber(i)}`));
    expect(provider.sent[1].message).toMatchObject({ template: { components: [{ parameters: [{ text: 'Person1' }, { text: 'item 1' }] }] } });
    expect(outcome.response.Items.CustomerProfiles).toEqual([0, 1, 2].map((i) => ({
      Id: profileId(i), ResultData: { status: 'delivered', messageId: `mid-${phoneNumber(i).slice(-4)}`, attempts: '1' },
    })));
    expect(outcome.summary).toMatchObject({ endpoints: 3, delivered: 3 });
  });

  test('an empty batch is answered with an empty list, and nothing is sent', async () => {
    const { provider, deps, settings } = setup();
    const outcome = await deliverConnectBatch(connectEvent(0), deps(), settings);
    expect(outcome.response).toEqual({ Items: { CustomerProfiles: [] } });
    expect(provider.sent).toHaveLength(0);
  });

  test('a 100-profile batch: every profile answered, every one sent once', async () => {
    const { provider, deps, settings } = setup();
    const outcome = await deliverConnectBatch(connectEvent(100), deps(), settings);
    expect(outcome.response.Items.CustomerProfiles).toHaveLength(100);
    expect(new Set(provider.sent.map((r) => r.recipient)).size).toBe(100);
    expect(outcome.summary.delivered).toBe(100);
  });

  test('CustomerData that is not JSON fails that profile alone', async () => {
    const { provider, deps, settings } = setup();
    const event = connectEvent(0, { profiles: [
      { ProfileId: profileId(0), CustomerData: '{not json', IdempotencyToken: 't0' },
      { ProfileId: profileId(1), CustomerData: JSON.stringify(customerData(1)), IdempotencyToken: 't1' },
    ] });
    const outcome = await deliverConnectBatch(event, deps(), settings);
    expect(statusOf(outcome.response)).toEqual([[profileId(0), 'failed', 'invalid_profile'], [profileId(1), 'delivered', undefined]]);
    expect(outcome.response.Items.CustomerProfiles[0].ResultData).toMatchObject({ reason: 'CustomerData is not JSON', retryable: 'false' });
    expect(provider.sent).toHaveLength(1);
  });

  test('the phone number comes from the first configured field that has one, PascalCase or camelCase; a profile with none is skipped', async () => {
    const { provider, deps, settings } = setup();
    const event = connectEvent(0, { profiles: [
      { ProfileId: 'mobile', CustomerData: JSON.stringify(customerData(1, { PhoneNumber: undefined, MobilePhoneNumber: `+${phoneNumber(1)}` })), IdempotencyToken: 't1' },
      { ProfileId: 'camel', CustomerData: JSON.stringify({ firstName: 'Ada', phoneNumber: `+${phoneNumber(2)}`, attributes: { Item: 'x' } }), IdempotencyToken: 't2' },
      { ProfileId: 'none', CustomerData: JSON.stringify(customerData(3, { PhoneNumber: undefined })), IdempotencyToken: 't3' },
    ] });
    const outcome = await deliverConnectBatch(event, deps(), settings);
    expect(statusOf(outcome.response)).toEqual([['mobile', 'delivered', undefined], ['camel', 'delivered', undefined], ['none', 'skipped', 'no_address']]);
    expect(provider.sent.map((r) => r.recipient)).toEqual([`+${phoneNumber(1)}`, `+${phoneNumber(2)}`]);
    expect(provider.sent[1].message).toMatchObject({ template: { components: [{ parameters: [{ text: 'Ada' }, { text: 'x' }] }] } });
  });

  test('a profile repeated in the batch (the same IdempotencyToken) is sent once; the repeat is skipped', async () => {
    const { provider, deps, settings } = setup();
    const twice = { ProfileId: profileId(5), CustomerData: JSON.stringify(customerData(5)), IdempotencyToken: 'same-token' };
    const outcome = await deliverConnectBatch(connectEvent(0, { profiles: [twice, twice] }), deps(), settings);
    expect(statusOf(outcome.response)).toEqual([[profileId(5), 'delivered', undefined], [profileId(5), 'skipped', 'duplicate_in_batch']]);
    expect(provider.sent).toHaveLength(1);
  });

  test('the duplicate check keys each delivery by campaign, run, action, profile and Connect\'s idempotency token', async () => {
    const { guard, provider, deps, settings } = setup();
    await deliverConnectBatch(connectEvent(1), deps(), settings);
    const again = await deliverConnectBatch(connectEvent(1), deps(), settings);
    expect(guard.keys).toEqual(Array(2).fill(`connect/${CONNECT_CONTEXT.CampaignId}/${CONNECT_CONTEXT.RunId}/${CONNECT_CONTEXT.ActionId}/${profileId(0)}/token-0`));
    expect(statusOf(again.response)).toEqual([[profileId(0), 'delivered', 'already_delivered']]);
    expect(provider.sent).toHaveLength(1);
  });

  test('a missing placeholder value fails that profile alone', async () => {
    const { provider, deps, settings } = setup();
    const event = connectEvent(0, { profiles: [
      { ProfileId: 'nameless', CustomerData: JSON.stringify(customerData(1, { FirstName: undefined })), IdempotencyToken: 't1' },
      { ProfileId: 'named', CustomerData: JSON.stringify(customerData(2)), IdempotencyToken: 't2' },
    ] });
    const outcome = await deliverConnectBatch(event, deps(), settings);
    expect(statusOf(outcome.response)).toEqual([['nameless', 'failed', 'missing_placeholder'], ['named', 'delivered', undefined]]);
    expect(outcome.response.Items.CustomerProfiles[0].ResultData.reason).toBe('no value for {{Profile.FirstName}}');
    expect(provider.sent).toHaveLength(1);
  });

  test('with a message map, the campaign is found by id, then by name; an unknown campaign is rejected whole, with one log line', async () => {
    const byName = { ...CONNECT_TEMPLATE, template: { ...CONNECT_TEMPLATE.template, name: 'by_name' } };
    const { provider, logger, deps, settings } = setup({ 'Spring reminder': byName, 'other-campaign-id': CONNECT_TEMPLATE });
    await deliverConnectBatch(connectEvent(1), deps(), settings);
    expect(provider.sent[0].message).toMatchObject({ template: { name: 'by_name' } });
    const unknown = await deliverConnectBatch(connectEvent(2, { context: { CampaignId: 'c-unknown', CampaignName: 'Unknown' } }), deps(), settings);
    expect(statusOf(unknown.response)).toEqual(Array(2).fill(null).map((_, i) => [profileId(i), 'failed', 'unknown_campaign']));
    expect(unknown.eventProblem).toBe('no message is configured for the campaign "Unknown" (c-unknown); add it to connectMessages');
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(provider.sent).toHaveLength(1);
  });

  test.each([
    ['not an object', 'nope', 'the event is not an object', 0],
    ['a Pinpoint event', { Endpoints: {} }, 'InvocationMetadata.CampaignContext is missing', 0],
    ['a context without RunId', { ...connectEvent(2), InvocationMetadata: { CampaignContext: { CampaignId: 'c', ActionId: 'a', CampaignName: 'n' } } },
      'InvocationMetadata.CampaignContext.RunId is not a string', 2],
    ['a profile without its token', connectEvent(0, { profiles: [{ ProfileId: 'p1', CustomerData: '{}' }, { ProfileId: 'p2', CustomerData: '{}', IdempotencyToken: 't' }] }),
      'Items.CustomerProfiles[0].IdempotencyToken is not a string', 2],
    ['no profile list', { InvocationMetadata: { CampaignContext: CONNECT_CONTEXT }, Items: {} }, 'Items.CustomerProfiles is not a list', 0],
  ])('%s is rejected whole: nothing sent, every readable profile failed with the reason', async (_name, event, problem, answered) => {
    const { provider, deps, settings } = setup();
    const outcome = await deliverConnectBatch(event, deps(), settings);
    expect(outcome.eventProblem).toBe(problem);
    expect(outcome.response.Items.CustomerProfiles).toHaveLength(answered);
    for (const entry of outcome.response.Items.CustomerProfiles) expect(entry.ResultData).toMatchObject({ status: 'failed', errorCode: 'invalid_event', reason: problem });
    expect(provider.sent).toHaveLength(0);
  });

  test('queued mode checks and renders each profile, enqueues one job of the contract per profile, and answers queued', async () => {
    const { provider, jobs, deps, settings } = setup();
    const outcome = await deliverConnectBatch(connectEvent(2), deps(), settings, 'queued');
    expect(provider.sent).toHaveLength(0);
    expect(statusOf(outcome.response)).toEqual([[profileId(0), 'queued', undefined], [profileId(1), 'queued', undefined]]);
    expect(jobs.jobs()[1]).toMatchObject({
      version: 1, channel: 'whatsapp', campaign: { campaignId: CONNECT_CONTEXT.CampaignId, activityId: CONNECT_CONTEXT.ActionId }, endpointId: profileId(1),
      recipient: `+${phoneNumber(1)}`, idempotencyKey: `connect/${CONNECT_CONTEXT.CampaignId}/${CONNECT_CONTEXT.RunId}/${CONNECT_CONTEXT.ActionId}/${profileId(1)}/token-1`,
    });
  });
});

describe('the documented example (AWS\'s "Invoke Lambda functions" page)', () => {
  test('is read as Connect sends it, and answered with one entry per profile, keyed by its ProfileId', async () => {
    // GIVEN the page's own request example, whose profiles have no phone number
    const { deps, settings } = setup();
    // WHEN handled
    const outcome = await deliverConnectBatch(DOCUMENTED_EXAMPLE_EVENT, deps(), settings);
    // THEN the event is accepted, and the response has the documented start: Items.CustomerProfiles[].Id
    expect(outcome.eventProblem).toBeUndefined();
    expect(outcome.response).toEqual({ Items: { CustomerProfiles: [
      { Id: 'customer-001', ResultData: { status: 'skipped', reason: 'no_address', attempts: '0' } },
      { Id: 'customer-002', ResultData: { status: 'skipped', reason: 'no_address', attempts: '0' } },
    ] } });
  });
});
