import { classifyGraphError } from '../../../lambda/providers/graph';
import { MESSENGER_ERRORS, MessengerProvider } from '../../../lambda/providers/messenger';

const provider = new MessengerProvider({ baseUrl: 'https://graph.example', apiVersion: 'v25.0', pageId: 'me', psidAttribute: 'facebookMessengerPsid' });
const classify = (status: number, code: number) => classifyGraphError(status, { error: { code, message: `(#${code}) test` } }, undefined, MESSENGER_ERRORS);

describe('Messenger error classification', () => {
  test.each([[4, true], [613, true], [1200, false], [1, false], [2, false]])('code %i is retried (throttling: %s)', (code, throttled) => {
    expect(classify(400, code)).toMatchObject({ disposition: 'retry', throttled });
  });

  test.each([551, 100, 10, 200, 230, 368])('code %i is never retried', (code) => {
    expect(classify(400, code)).toMatchObject({ disposition: 'permanent' });
  });

  test('code 9 (too many messages to this person) waits for a later retry', () => {
    expect(classify(400, 9)).toMatchObject({ disposition: 'defer', throttled: true });
  });

  test('190 re-reads the page token', () => {
    expect(classify(401, 190)).toMatchObject({ disposition: 'refresh-token' });
  });
});

describe('Messenger recipients', () => {
  test('the PSID comes from the configured user attribute (first value)', () => {
    expect(provider.resolveRecipient({ User: { UserAttributes: { facebookMessengerPsid: ['2400000000012345', 'other'] } } }))
      .toEqual({ recipient: '2400000000012345', masked: '***2345' });
  });

  test('another attribute name can be configured', () => {
    const custom = new MessengerProvider({ baseUrl: 'https://g', apiVersion: 'v25.0', pageId: '123', psidAttribute: 'psid' });
    expect(custom.resolveRecipient({ User: { UserAttributes: { psid: ['2400000000012345'] } } })).toMatchObject({ recipient: '2400000000012345' });
  });

  test.each([
    ['no user', {}],
    ['no attribute', { User: { UserAttributes: {} } }],
    ['an empty list', { User: { UserAttributes: { facebookMessengerPsid: [] } } }],
    ['not an id', { User: { UserAttributes: { facebookMessengerPsid: ['mary@example.com'] } } }],
  ])('%s: skipped with no_psid', (_name, endpoint) => {
    expect(provider.resolveRecipient(endpoint)).toEqual({ skipReason: 'no_psid' });
  });
});

describe('Messenger message check', () => {
  test.each([
    [{ message: { text: 'hi' } }, undefined],
    [{ messaging_type: 'RESPONSE', message: { text: 'hi' } }, undefined],
    [{ messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE', message: { text: 'hi' } }, undefined],
    [{ type: 'text', text: { body: 'hi' } }, 'no "message" object'],
    [{ messaging_type: 'PROMO', message: { text: 'hi' } }, 'messaging_type "PROMO"'],
    [{ messaging_type: 'MESSAGE_TAG', message: { text: 'hi' } }, 'no "tag"'],
    [{ message: { text: 'hi' }, recipient: { id: '1' } }, 'sets recipient'],
  ])('%j: %s', (message, problem) => {
    const result = provider.checkMessage(message);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});
