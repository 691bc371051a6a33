import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseToken, SecretsManagerTokenSource } from '../../lambda/adapters/secrets-manager-token-source';
import { TokenUnavailableError } from '../../lambda/domain';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const secrets = mockClient(SecretsManagerClient);

beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-1';
});
beforeEach(() => secrets.reset());

describe('SecretsManagerTokenSource', () => {
  test('reads the accessToken once and serves it from the cache', async () => {
    // GIVEN a secret holding a token
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: '{"accessToken":"test-token-1"}' });
    const tokens = new SecretsManagerTokenSource(ARN, 300);
    // WHEN read three times
    const values = [await tokens.get(), await tokens.get(), await tokens.get()];
    // THEN one API call
    expect(values).toEqual(['test-token-1', 'test-token-1', 'test-token-1']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('refresh re-reads the secret when the cached token was rejected', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: '{"accessToken":"old"}' }).resolves({ SecretString: '{"accessToken":"new"}' });
    const tokens = new SecretsManagerTokenSource(ARN, 300);
    expect(await tokens.get()).toBe('old');
    expect(await tokens.refresh('old')).toBe('new');
    expect(await tokens.get()).toBe('new');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('refresh does not re-read when another request already got a newer token', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"accessToken":"current"}' });
    const tokens = new SecretsManagerTokenSource(ARN, 300);
    await tokens.get();
    expect(await tokens.refresh('stale')).toBe('current');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('an unreadable secret is a TokenUnavailableError naming the secret and the reason', async () => {
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    secrets.on(GetSecretValueCommand).rejects(denied);
    const error = await new SecretsManagerTokenSource(ARN, 300).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toBe(`Could not read the token secret ${ARN}: AccessDeniedException`);
  });
});

describe('parseToken', () => {
  test.each([
    ['plain text', 'test-secret-value', 'is not JSON'],
    ['JSON without accessToken', '{"token":"test-secret-value"}', 'no "accessToken" string'],
    ['an empty accessToken', '{"accessToken":"  "}', 'no "accessToken" string'],
    ['a binary secret', undefined, 'no SecretString'],
  ])('rejects %s without repeating the value', (_name, raw, problem) => {
    let message = '';
    try {
      parseToken(raw, ARN);
    } catch (error) {
      expect(error).toBeInstanceOf(TokenUnavailableError);
      message = (error as Error).message;
    }
    expect(message).toContain(problem);
    expect(message).not.toContain('test-secret-value');
  });
});
