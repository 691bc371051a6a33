/** The function's environment, read at cold start: what it accepts and how it names what is wrong. */
import { ConfigurationError, loadFunctionConfig } from '../../lambda/config';

const BASE = {
  TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123', JOB_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dead-letters',
  WHATSAPP_PHONE_NUMBER_ID: '109876543210987',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadFunctionConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadFunctionConfig', () => {
  test('the defaults of the contract module fill what the environment leaves out', () => {
    expect(loadFunctionConfig(BASE)).toMatchObject({
      channel: 'whatsapp', provider: { channel: 'whatsapp', apiVersion: 'v25.0', baseUrl: 'https://graph.facebook.com', phoneNumberId: '109876543210987' },
      concurrency: 50, maxAttempts: 4, reportToPinpoint: false, idempotencyTableName: undefined,
    });
  });

  test.each([
    ['http to anything but this machine', 'http://graph.example.com', 'GRAPH_API_BASE_URL must use https'],
    ['a user name and password', 'https://user:pw@proxy.example.com', 'GRAPH_API_BASE_URL must not hold a user name or password'],
    ['a path', 'https://graph.facebook.com/v25.0', 'GRAPH_API_BASE_URL must have no path'],
  ])('a base URL with %s is refused before the token is ever sent', (_name, url, problem) => {
    expect(problemsOf({ ...BASE, GRAPH_API_BASE_URL: url })).toEqual([expect.stringContaining(problem)]);
  });

  test('queued mode needs the job queue only: Pinpoint\'s invocation dead-letters nothing itself', () => {
    const { DEAD_LETTER_QUEUE_URL: _unused, ...withoutDeadLetters } = BASE;
    expect(problemsOf({ ...withoutDeadLetters, DELIVERY_MODE: 'queued' })).toEqual([]);
    expect(problemsOf(withoutDeadLetters)).toEqual([expect.stringContaining('DEAD_LETTER_QUEUE_URL is not set')]);
  });

  test('http is accepted for a stand-in on this machine only', () => {
    expect(problemsOf({ ...BASE, GRAPH_API_BASE_URL: 'http://127.0.0.1:8080' })).toEqual([]);
    expect(problemsOf({ ...BASE, GRAPH_API_BASE_URL: 'http://localhost:8080' })).toEqual([]);
  });

  test('every problem is named at once', () => {
    expect(problemsOf({ CHANNEL: 'whatsapp', MAX_ATTEMPTS: '0' })).toEqual([
      expect.stringContaining('WHATSAPP_PHONE_NUMBER_ID is not set'),
      expect.stringContaining('TOKEN_SECRET_ARN is not set'),
      expect.stringContaining('JOB_QUEUE_URL is not set'),
      expect.stringContaining('DEAD_LETTER_QUEUE_URL is not set'),
      'MAX_ATTEMPTS must be a whole number from 1 to 10',
    ]);
  });
});
