/**
 * A stand-in for the Secrets Manager API on 127.0.0.1, for code that runs outside jest's module
 * mocks (the bundled function in a child process). Reached through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export class SecretsManagerServer {
  readonly calls: { target: string; secretId: string }[] = [];
  private readonly server: http.Server;

  private constructor(private readonly secrets: Record<string, string>) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const { SecretId: secretId } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        this.calls.push({ target, secretId });
        const value = this.secrets[secretId];
        if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'Secrets Manager can\'t find the specified secret.' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ ARN: secretId, Name: 'token', SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 }));
      });
    });
  }

  static async start(secrets: Record<string, string>): Promise<SecretsManagerServer> {
    const server = new SecretsManagerServer(secrets);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
