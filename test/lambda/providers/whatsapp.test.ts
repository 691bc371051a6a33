import { classifyGraphError, safeText } from '../../../lambda/providers/graph';
import { maskRecipient } from '../../../lambda/domain';
import { normalisePhoneNumber, WHATSAPP_ERRORS, WhatsAppProvider } from '../../../lambda/providers/whatsapp';

const provider = new WhatsAppProvider({ baseUrl: 'https://graph.example', apiVersion: 'v25.0', phoneNumberId: '1234567890' });
const classify = (status: number, code?: number) =>
  classifyGraphError(status, code === undefined ? undefined : { error: { code, message: `(#${code}) test` } }, undefined, WHATSAPP_ERRORS);

describe('WhatsApp error classification', () => {
  test.each([4, 80007, 130429, 131056])('throttling code %i is retried and counted as throttling', (code) => {
    expect(classify(400, code)).toMatchObject({ disposition: 'retry', throttled: true, errorCode: String(code) });
  });

  test.each([1, 2, 131000])('transient code %i is retried', (code) => {
    expect(classify(500, code)).toMatchObject({ disposition: 'retry', throttled: false, errorCode: String(code) });
  });

  test.each([131048, 131049])('slow limit %i is not retried within the batch but stays retryable later', (code) => {
    expect(classify(400, code)).toMatchObject({ disposition: 'defer', errorCode: String(code) });
  });

  test.each([0, 10, 100, 131008, 131026, 131047, 131050, 131051, 130497, 132000, 132001, 200, 250, 299, 368])(
    'permanent code %i is never retried', (code) => {
      expect(classify(400, code)).toMatchObject({ disposition: 'permanent', errorCode: String(code) });
    });

  test('auth error 190 asks for the token to be re-read', () => {
    expect(classify(401, 190)).toMatchObject({ disposition: 'refresh-token', errorCode: '190' });
  });

  test.each([
    [429, 'retry', true], [500, 'retry', false], [502, 'retry', false], [503, 'retry', false], [400, 'permanent', false], [404, 'permanent', false],
  ])('without a Graph error body, HTTP %i is %s', (status, disposition, throttled) => {
    expect(classify(status)).toMatchObject({ disposition, throttled, errorCode: `http_${status}` });
  });

  test('an unknown code falls back to the HTTP status', () => {
    expect(classify(503, 999999)).toMatchObject({ disposition: 'retry', errorCode: '999999' });
    expect(classify(400, 999999)).toMatchObject({ disposition: 'permanent', errorCode: '999999' });
  });

  test('a phone number quoted in the provider message does not reach the detail', () => {
    const outcome = classifyGraphError(400, { error: { code: 131026, message: 'Recipient +1 555 010 0007 cannot be reached' } }, undefined, WHATSAPP_ERRORS);
    expect(outcome.detail).not.toMatch(/555|0007/);
  });
});

describe('WhatsApp recipients', () => {
  test.each([
    ['+15550100007', '15550100007'], ['15550100007', '15550100007'], ['+44 20 7946 0958', '442079460958'],
    ['+1 (555) 010-0007', '15550100007'], ['0044 20 7946 0958', '442079460958'],
  ])('%s is sent to %s', (address, digits) => {
    expect(normalisePhoneNumber(address)).toBe(digits);
    expect(provider.resolveRecipient({ Address: address })).toEqual({ recipient: digits, masked: `***${digits.slice(-4)}` });
  });

  test.each(['mary.major@example.com', '+1555', '+0155501000', '+1234567890123456', 'abc', '+1 555 CALL NOW'])(
    '%s is not a phone number', (address) => {
      expect(provider.resolveRecipient({ Address: address })).toEqual({ skipReason: 'address_not_a_phone_number' });
    });

  test('no address is its own skip reason', () => {
    expect(provider.resolveRecipient({})).toEqual({ skipReason: 'no_address' });
    expect(provider.resolveRecipient({ Address: '  ' })).toEqual({ skipReason: 'no_address' });
  });

  test('masking keeps only the last four digits', () => {
    expect(maskRecipient('15550100007')).toBe('***0007');
  });
});

describe('WhatsApp message check', () => {
  test.each([
    [{ type: 'template', template: { name: 'x' } }, undefined],
    [{ type: 'text', text: { body: 'x' } }, undefined],
    [{ template: { name: 'x' } }, 'no "type"'],
    [{ type: 'template', text: { body: 'x' } }, 'no "template" object'],
    [{ type: 'constructor' }, 'no "constructor" object'],
    [{ type: 'text', text: { body: 'x' }, to: '15550100000' }, 'sets to'],
    [{ type: 'text', text: { body: 'x' }, messaging_product: 'sms' }, 'sets messaging_product'],
  ])('%j: %s', (message, problem) => {
    const result = provider.checkMessage(message);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});

describe('text taken from the provider', () => {
  test('an error that echoes the token has it cut out; digit runs are masked; the length is bounded', () => {
    const token = 'test-token-echoed-back-1234567890';
    const body = { error: { code: 100, message: `Invalid parameter for token ${token} and +1 555 010 0007 ${'x'.repeat(400)}` } };
    const outcome = classifyGraphError(400, body, undefined, WHATSAPP_ERRORS, token);
    expect(outcome.detail).not.toContain(token);
    expect(outcome.detail).toContain('[token]');
    expect(outcome.detail).toContain('[number]');
    expect(outcome.detail.length).toBeLessThanOrEqual(200);
  });

  test('a Meta-shaped access token is masked even when it is not the one the function used', () => {
    // Built at run time, so that no literal in the repository looks like a real access token.
    const metaShaped = `EA${'x'.repeat(30)}`;
    expect(safeText(`token ${metaShaped} is invalid`)).toBe('token [token] is invalid');
  });
});
