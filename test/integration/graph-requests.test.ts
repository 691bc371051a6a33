/**
 * What the Graph API client does with answers that are not the provider's: a redirect, and a
 * request the client refuses to make. Both are configuration problems: nothing was delivered, and
 * nothing may have been.
 */
import { WhatsAppProvider } from '../../lambda/providers/whatsapp';
import { GraphApiServer } from './stand-ins/graph-api-server';

const TOKEN = 'test-token-graph-requests';
const RECIPIENT = '15550100001';
let graph: GraphApiServer;
let elsewhere: GraphApiServer;

beforeAll(async () => {
  graph = await GraphApiServer.start();
  elsewhere = await GraphApiServer.start();
});

afterAll(async () => {
  await Promise.all([graph.stop(), elsewhere.stop()]);
});

const send = (baseUrl: string) => new WhatsAppProvider({ baseUrl, apiVersion: 'v25.0', phoneNumberId: '109876543210987' })
  .send({ recipient: RECIPIENT, message: { type: 'text', text: { body: 'hi' } }, token: TOKEN, signal: AbortSignal.timeout(5000) });

describe('requests the provider did not answer itself', () => {
  test.each([307, 308, 302])('a %i redirect is refused: the number and the message never reach the other origin', async (status) => {
    // GIVEN the provider's address redirects to another server, which would accept anything
    graph.script(RECIPIENT, { kind: 'redirect', status, location: `${elsewhere.baseUrl}/v25.0/109876543210987/messages` });
    // WHEN a message is sent
    const outcome = await send(graph.baseUrl);
    // THEN it is a configuration failure, not delivered and not maybe-sent, and the other origin saw nothing
    expect(outcome).toMatchObject({ ok: false, disposition: 'configuration', errorCode: 'redirect', mayHaveBeenSent: false });
    expect(elsewhere.requests).toHaveLength(0);
  });

  test('a base URL with credentials is refused before anything is sent: not uncertain, and the password is not in the detail', async () => {
    const url = new URL(graph.baseUrl);
    graph.reset();
    const outcome = await send(`http://user:secret-pw@${url.host}`);
    expect(outcome).toMatchObject({ ok: false, disposition: 'configuration', errorCode: 'invalid_request', mayHaveBeenSent: false });
    expect(JSON.stringify(outcome)).not.toContain('secret-pw');
    expect(graph.requests).toHaveLength(0);
  });
});
