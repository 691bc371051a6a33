/**
 * A stand-in for the Secrets Manager API on 127.0.0.1, for code that runs outside jest's module
 * mocks (the bundled function in a child process). Reached through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
import { AwsJsonError, AwsJsonServer } from './aws-json-server';

export class SecretsManagerServer {
  readonly calls: { target: string; secretId: string }[] = [];
  /** The full input of every PutSecretValue, as the SDK sent it. */
  readonly puts: Record<string, unknown>[] = [];
  private http!: AwsJsonServer;

  private constructor(private readonly secrets: Record<string, string>) {}

  static async start(secrets: Record<string, string>): Promise<SecretsManagerServer> {
    const server = new SecretsManagerServer(secrets);
    server.http = await AwsJsonServer.start({ contentType: 'application/x-amz-json-1.1', handle: (operation, input) => server.handle(operation, input) });
    return server;
  }

  get url(): string {
    return this.http.endpoint;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private handle(operation: string, input: { SecretId: string; SecretString?: string }): unknown {
    this.calls.push({ target: `secretsmanager.${operation}`, secretId: input.SecretId });
    if (operation === 'PutSecretValue' && input.SecretId in this.secrets) {
      this.puts.push(input);
      this.secrets[input.SecretId] = input.SecretString ?? '';
      return { ARN: input.SecretId, Name: 'token', VersionId: `v${this.puts.length + 1}`, VersionStages: ['AWSCURRENT'] };
    }
    const value = this.secrets[input.SecretId];
    if (operation !== 'GetSecretValue' || value === undefined) {
      throw new AwsJsonError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.');
    }
    return { ARN: input.SecretId, Name: 'token', SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 };
  }
}
