/**
 * The Connect trigger's own event check against Powertools' ConnectOutboundCampaignsSchema: the
 * function does not bundle the parser (with zod it would add about 450 KB), so this test holds the
 * two to the same answer on valid and invalid events. The parser is a dev dependency only.
 */
import { ConnectOutboundCampaignsSchema } from '@aws-lambda-powertools/parser/schemas';
import { parseConnectEvent } from '../../../lambda/triggers/connect/event';
import { CONNECT_CONTEXT, connectEvent, DOCUMENTED_EXAMPLE_EVENT } from '../../support/connect-events';

const EVENTS: [string, unknown][] = [
  ['AWS\'s documented example', DOCUMENTED_EXAMPLE_EVENT],
  ['a batch of three', connectEvent(3)],
  ['an empty batch', connectEvent(0)],
  ['a string', 'nope'],
  ['a Pinpoint event', { Endpoints: {}, Data: '{}' }],
  ['no InvocationMetadata', { Items: { CustomerProfiles: [] } }],
  ['a context field that is a number', connectEvent(1, { context: { ...CONNECT_CONTEXT, RunId: 7 as unknown as string } })],
  ['no Items', { InvocationMetadata: { CampaignContext: CONNECT_CONTEXT } }],
  ['CustomerProfiles not a list', { InvocationMetadata: { CampaignContext: CONNECT_CONTEXT }, Items: { CustomerProfiles: {} } }],
  ['a profile without CustomerData', connectEvent(0, { profiles: [{ ProfileId: 'p', IdempotencyToken: 't' }] })],
  ['CustomerData as an object', connectEvent(0, { profiles: [{ ProfileId: 'p', CustomerData: {}, IdempotencyToken: 't' }] })],
  ['a profile that is null', connectEvent(0, { profiles: [null] })],
];

describe('the Connect event check agrees with Powertools\' ConnectOutboundCampaignsSchema', () => {
  test.each(EVENTS)('%s', (_name, event) => {
    expect(parseConnectEvent(event).ok).toBe(ConnectOutboundCampaignsSchema.safeParse(event).success);
  });

  test('and is stricter in one place only, on purpose: an empty ProfileId, which could not be answered for', () => {
    const event = connectEvent(0, { profiles: [{ ProfileId: '', CustomerData: '{}', IdempotencyToken: 't' }] });
    expect(ConnectOutboundCampaignsSchema.safeParse(event).success).toBe(true);
    expect(parseConnectEvent(event)).toMatchObject({ ok: false, problem: 'Items.CustomerProfiles[0].ProfileId is empty' });
  });
});
