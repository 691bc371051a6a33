/**
 * One stand-in in a process of its own, so that its CPU is not counted as the function's:
 * `node --import tsx stand-in-process.ts <kind> <latencyMs>`. Tells its parent where it listens, and
 * answers `counts` (requests handled so far) and `stop` over the IPC channel.
 */
import { DynamoDbServer } from '../../test/integration/stand-ins/dynamodb-server';
import { GraphApiServer } from '../../test/integration/stand-ins/graph-api-server';
import { PinpointServer } from '../../test/integration/stand-ins/pinpoint-server';
import { SecretsManagerServer } from '../../test/integration/stand-ins/secrets-manager-server';
import { SocialMessagingServer } from '../../test/integration/stand-ins/social-messaging-server';
import { SqsServer } from '../../test/integration/stand-ins/sqs-server';
import { BENCH_SECRET_ARN, BENCH_TOKEN } from './constants';

export type StandInKind = 'graph' | 'dynamodb' | 'sqs' | 'secrets' | 'social' | 'pinpoint';

export interface StandInReady {
  /** The environment variables that point the function at this stand-in. */
  readonly env: Record<string, string>;
}

interface Running {
  readonly env: Record<string, string>;
  readonly count: () => number;
  readonly stop: () => Promise<void>;
}

async function start(kind: StandInKind, latencyMs: number): Promise<Running> {
  switch (kind) {
    case 'graph': {
      const server = await GraphApiServer.start({ latencyMs, validToken: BENCH_TOKEN });
      return { env: { GRAPH_API_BASE_URL: server.baseUrl }, count: () => server.requests.length, stop: () => server.stop() };
    }
    case 'dynamodb': {
      const server = await DynamoDbServer.start({ latencyMs });
      return { env: { AWS_ENDPOINT_URL_DYNAMODB: server.endpoint }, count: () => server.operations.length, stop: () => server.stop() };
    }
    case 'sqs': {
      const server = await SqsServer.start();
      return {
        env: { AWS_ENDPOINT_URL_SQS: server.endpoint, JOB_QUEUE_URL: server.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: server.urlOf('dead-letters') },
        count: () => server.operations.length,
        stop: () => server.stop(),
      };
    }
    case 'secrets': {
      const server = await SecretsManagerServer.start({ [BENCH_SECRET_ARN]: JSON.stringify({ accessToken: BENCH_TOKEN }) });
      return { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: server.url }, count: () => 0, stop: () => server.stop() };
    }
    case 'social': {
      const server = await SocialMessagingServer.start({ latencyMs });
      return { env: { AWS_ENDPOINT_URL_SOCIALMESSAGING: server.endpoint }, count: () => server.requests.length, stop: () => server.stop() };
    }
    case 'pinpoint': {
      // Where Pinpoint's function reports each endpoint's outcome, as deployed (REPORT_TO_PINPOINT).
      const server = await PinpointServer.start();
      return { env: { AWS_ENDPOINT_URL_PINPOINT: server.endpoint, REPORT_TO_PINPOINT: 'true' }, count: () => server.requests.length, stop: () => server.stop() };
    }
    default:
      throw new Error(`unknown stand-in ${String(kind)}`);
  }
}

async function main(): Promise<void> {
  const [kind, latency] = process.argv.slice(2);
  const running = await start(kind as StandInKind, Number(latency ?? 0));
  process.on('message', async (message: { op: string }) => {
    if (message.op === 'counts') process.send!({ count: running.count() });
    if (message.op === 'stop') {
      await running.stop();
      process.exit(0);
    }
  });
  process.send!({ env: running.env } satisfies StandInReady);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
