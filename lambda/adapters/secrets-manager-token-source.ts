/**
 * The provider token, read from Secrets Manager through Powertools Parameters and cached per
 * container. The value never appears in an error message or a log line.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type TokenSource, TokenUnavailableError } from '../domain';

export { TokenUnavailableError };

export class SecretsManagerTokenSource implements TokenSource {
  private readonly secrets: SecretsProvider;

  constructor(private readonly secretArn: string, private readonly maxAgeSeconds: number, secrets?: SecretsProvider) {
    // Powertools builds the SDK client from the standard environment, so AWS_ENDPOINT_URL_SECRETS_MANAGER works.
    this.secrets = secrets ?? new SecretsProvider();
  }

  get(): Promise<string> {
    return this.read(false);
  }

  async refresh(rejected: string): Promise<string> {
    const current = await this.read(false);
    // Another request already re-read the secret: use what it found.
    if (current !== rejected) return current;
    return this.read(true);
  }

  private async read(forceFetch: boolean): Promise<string> {
    let raw: unknown;
    try {
      raw = await this.secrets.get(this.secretArn, { maxAge: this.maxAgeSeconds, forceFetch });
    } catch (error) {
      // Powertools wraps the SDK's error, whose name says what is wrong (AccessDeniedException,
      // ResourceNotFoundException, ...); neither carries the value.
      const cause = (error as { cause?: { name?: string } }).cause;
      const reason = cause?.name ?? (error as { name?: string }).name ?? 'Error';
      throw new TokenUnavailableError(`Could not read the token secret ${this.secretArn}: ${reason}`, { cause: error });
    }
    return parseToken(raw, this.secretArn);
  }
}

/** The `accessToken` from the secret's JSON string. Errors describe the shape, never the content. */
export function parseToken(raw: unknown, secretArn: string): string {
  if (typeof raw !== 'string') throw new TokenUnavailableError(`The token secret ${secretArn} has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TokenUnavailableError(`The token secret ${secretArn} is not JSON; store {"accessToken":"..."}`);
  }
  const token = (parsed as { accessToken?: unknown } | null)?.accessToken;
  if (typeof token !== 'string' || token.trim() === '') {
    throw new TokenUnavailableError(`The token secret ${secretArn} has no "accessToken" string; store {"accessToken":"..."}`);
  }
  return token.trim();
}
