import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseRedriveArgs, UsageError } from '../../cli/redrive';
import { runRedrive } from '../../cli/redrive/run';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deliveryKey } from '../../lambda/core';
import { PowertoolsDeliveryGuard } from '../../lambda/adapters/dynamodb-delivery-guard';
import { type ParkedDelivery } from '../../lambda/domain';
import { SqsParkingLot } from '../../lambda/adapters/sqs-parking-lot';
import { MessengerProvider } from '../../lambda/providers/messenger';
import type { ChannelProvider } from '../../lambda/domain';
import { WhatsAppProvider } from '../../lambda/providers/whatsapp';
import { endpointId, phoneNumber, psid, TEMPLATE_MESSAGE } from '../support/events';
import { RecordingLogger, StaticTokens } from '../support/fakes';
import { graphError, GraphApiServer } from './stand-ins/graph-api-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { SqsServer } from './stand-ins/sqs-server';

const TOKEN = 'test-token-redrive';
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };

let graph: GraphApiServer;
let queue: SqsServer;
let sqs: SQSClient;

function parked(index: number, overrides: Partial<ParkedDelivery> = {}): ParkedDelivery {
  return {
    version: 1, channel: 'whatsapp', ids: { applicationId: 'app', campaignId: 'camp', treatmentId: '0', activityId: 'act' },
    endpointId: endpointId(index), channelType: 'CUSTOM', recipient: phoneNumber(index), message: TEMPLATE_MESSAGE,
    permanent: false, uncertain: false, lastError: { code: 'http_503', reason: 'HTTP 503' }, attempts: 4, parkedAt: '2026-11-23T09:00:00.000Z',
    ...overrides,
  };
}

/** Fills the queue the way the function does, through the real parking code. */
async function park(items: ParkedDelivery[]): Promise<void> {
  const report = await new SqsParkingLot(sqs, queue.queueUrl).park(items, AbortSignal.timeout(5000));
  expect(report.parked.size).toBe(items.length);
}

function redrive(options: Partial<Parameters<typeof runRedrive>[0]> = {}, guard?: PowertoolsDeliveryGuard, provider?: ChannelProvider) {
  const lines: string[] = [];
  const run = runRedrive({ queueUrl: queue.queueUrl, dryRun: false, max: Number.MAX_SAFE_INTEGER, includePermanent: false, includeUncertain: false, ...options }, {
    sqs,
    provider: provider ?? new WhatsAppProvider({ baseUrl: graph.baseUrl, apiVersion: 'v25.0', phoneNumberId: '109876543210987' }),
    tokens: new StaticTokens(TOKEN),
    print: (line) => lines.push(line),
    logger: new RecordingLogger(),
    guard,
  });
  return run.then((summary) => ({ summary, lines }));
}

/** Runs `body` with the real duplicate guard over a DynamoDB stand-in of its own. */
async function withGuard(body: (guard: PowertoolsDeliveryGuard) => Promise<void>): Promise<void> {
  const table = await DynamoDbServer.start();
  const client = new DynamoDBClient({ endpoint: table.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
  try {
    const guard = new PowertoolsDeliveryGuard('idempotency', 3600, client);
    guard.registerDeadline(Date.now() + 60_000);
    await body(guard);
  } finally {
    client.destroy();
    await table.stop();
  }
}

beforeAll(async () => {
  graph = await GraphApiServer.start({ validToken: TOKEN });
  queue = await SqsServer.start();
  sqs = new SQSClient({ endpoint: queue.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
});

afterAll(async () => {
  sqs.destroy();
  await graph.stop();
  await queue.stop();
});

beforeEach(() => {
  graph.reset();
  queue.messages.length = 0;
});

describe('redrive', () => {
  test('resends transient failures, deletes each once delivered, leaves permanent and unreadable ones visible', async () => {
    // GIVEN three parked transient failures and one permanent, plus a message that is not ours
    await park([parked(0), parked(1), parked(2), parked(3, { permanent: true, lastError: { code: '131026', reason: 'undeliverable' } })]);
    queue.messages.push({ messageId: 'foreign', body: 'not json', attributes: {}, invisibleUntil: 0, receiveCount: 0 });
    // WHEN the provider has recovered and the redrive runs
    const { summary, lines } = await redrive();
    // THEN the three are delivered once each, with the rendered message, and deleted
    expect(summary).toEqual({ received: 5, delivered: 3, alreadyDelivered: 0, failed: 0, permanentLeft: 1, uncertainLeft: 0, unreadable: 1, dryRun: 0 });
    expect(graph.requests.map((r) => r.recipient).sort()).toEqual([phoneNumber(0), phoneNumber(1), phoneNumber(2)]);
    expect(graph.requests[0].body).toMatchObject({ to: expect.any(String), type: 'template', template: TEMPLATE_MESSAGE.template });
    // and what is left is visible again at once
    expect(queue.messages.map((m) => m.messageId === 'foreign' ? 'foreign' : JSON.parse(m.body).endpointId)).toEqual([endpointId(3), 'foreign']);
    expect(queue.messages.every((m) => m.invisibleUntil <= Date.now())).toBe(true);
    expect(lines.at(-1)).toBe('redrive done: 5 received, 3 delivered and deleted, 0 failed again, 1 permanent left, 0 uncertain left, 1 unreadable');
  });

  test('an endpoint that fails again stays in the queue; nothing delivered is resent', async () => {
    await park([parked(0), parked(1)]);
    graph.script(phoneNumber(1), graphError(400, 131026));
    const { summary } = await redrive();
    expect(summary).toMatchObject({ delivered: 1, failed: 1 });
    expect(queue.bodies().map((m) => m.endpointId)).toEqual([endpointId(1)]);
    // a second run resends only the one left
    graph.reset();
    await redrive();
    expect(graph.requests.map((r) => r.recipient)).toEqual([phoneNumber(1)]);
  });

  test('with the idempotency table, an endpoint a later invocation already delivered is deleted, not resent', async () => {
    // GIVEN two parked endpoints, one of which the function delivered in a later invocation of the same batch
    await withGuard(async (guard) => {
      await park([parked(0), parked(1)]);
      const laterInvocation = await guard.run(deliveryKey(parked(0).ids, endpointId(0))!, async () => ({ endpointId: endpointId(0), status: 'delivered', messageId: 'wamid.later', attempts: 1 }));
      expect(laterInvocation.kind).toBe('sent');
      // WHEN the redrive runs with the table
      const { summary, lines } = await redrive({}, guard);
      // THEN only the other one is sent, and both leave the queue
      expect(graph.requests.map((r) => r.recipient)).toEqual([phoneNumber(1)]);
      expect(summary).toMatchObject({ delivered: 2, alreadyDelivered: 1, failed: 0 });
      expect(queue.messages).toHaveLength(0);
      expect(lines.at(-1)).toContain('(1 of them already delivered earlier, not resent)');
    });
  });

  test('a certain parked delivery whose endpoint a later attempt left uncertain is left as uncertain, then resent once with --include-uncertain', async () => {
    // GIVEN a parked 503 failure, and a later invocation whose request for the same endpoint went unanswered
    await withGuard(async (guard) => {
      await park([parked(4)]);
      await guard.run(deliveryKey(parked(4).ids, endpointId(4))!, async () => ({ endpointId: endpointId(4), status: 'failed', errorCode: 'timeout', attempts: 1, mayHaveBeenSent: true }));
      // WHEN the redrive runs without --include-uncertain
      const plain = await redrive({}, guard);
      // THEN nothing is sent, and the message is counted as uncertain, not as a failure
      expect(graph.requests).toHaveLength(0);
      expect(plain.summary).toMatchObject({ delivered: 0, failed: 0, uncertainLeft: 1 });
      expect(queue.messages).toHaveLength(1);
      // WHEN the operator asks for uncertain ones, twice
      const asked = await redrive({ includeUncertain: true }, guard);
      const again = await redrive({ includeUncertain: true }, guard);
      // THEN it is sent once, under the resend key, and deleted
      expect(asked.summary).toMatchObject({ delivered: 1, failed: 0, uncertainLeft: 0 });
      expect(again.summary).toMatchObject({ received: 0 });
      expect(graph.requestsFor(phoneNumber(4))).toHaveLength(1);
      expect(queue.messages).toHaveLength(0);
    });
  });

  test('an uncertain delivery (its request went unanswered) is left unless --include-uncertain', async () => {
    // GIVEN a parked timeout: WhatsApp may have delivered it
    await park([parked(0, { uncertain: true, lastError: { code: 'timeout', reason: 'no response before the request timeout' } })]);
    // WHEN the redrive runs without the flag; THEN nothing is sent and it stays
    expect((await redrive()).summary).toMatchObject({ uncertainLeft: 1, delivered: 0 });
    expect(graph.requests).toHaveLength(0);
    expect(queue.messages).toHaveLength(1);
    // WHEN the operator has checked and asks for it; THEN it is sent
    expect((await redrive({ includeUncertain: true })).summary).toMatchObject({ uncertainLeft: 0, delivered: 1 });
    expect(queue.messages).toHaveLength(0);
  });

  test('--channel messenger resends Messenger deliveries to the PSID, and leaves messages of another channel', async () => {
    // GIVEN a parked Messenger delivery and a parked WhatsApp one in the same queue
    const messenger = parked(1, { channel: 'messenger', recipient: psid(1), message: { messaging_type: 'UPDATE', message: { text: 'Hi Person1' } } });
    await park([messenger, parked(2)]);
    // WHEN the redrive runs for Messenger
    const provider = new MessengerProvider({ baseUrl: graph.baseUrl, apiVersion: 'v25.0', pageId: 'me', psidAttribute: 'facebookMessengerPsid' });
    const { summary, lines } = await redrive({}, undefined, provider);
    // THEN the Messenger one is sent to /me/messages and deleted; the WhatsApp one stays, with a note
    expect(graph.requests.map((r) => [r.path, r.body])).toEqual([['/v25.0/me/messages', { messaging_type: 'UPDATE', message: { text: 'Hi Person1' }, recipient: { id: psid(1) } }]]);
    expect(summary).toMatchObject({ delivered: 1, unreadable: 1 });
    expect(queue.bodies().map((m) => m.channel)).toEqual(['whatsapp']);
    expect(lines.some((l) => l.includes('is for the whatsapp channel, not messenger'))).toBe(true);
  });

  test('--include-permanent resends permanent failures too', async () => {
    await park([parked(0, { permanent: true })]);
    const { summary } = await redrive({ includePermanent: true });
    expect(summary.delivered).toBe(1);
    expect(queue.messages).toHaveLength(0);
  });

  test('--dry-run sends and deletes nothing, and lists what it would resend with masked numbers', async () => {
    await park([parked(0), parked(1)]);
    const { summary, lines } = await redrive({ dryRun: true });
    expect(summary).toMatchObject({ received: 2, dryRun: 2, delivered: 0 });
    expect(graph.requests).toHaveLength(0);
    expect(queue.messages).toHaveLength(2);
    expect(lines).toContain(`would resend ${endpointId(0)} (***0000), last error http_503`);
    expect(lines.join('\n')).not.toContain(phoneNumber(0));
  });

  test('a dry run over a message it cannot fully read does not crash, and gives every message back at once', async () => {
    // GIVEN a parked delivery written without lastError, one from another version, and one that is not JSON
    const { lastError: _omitted, ...withoutLastError } = parked(0);
    queue.messages.push(
      { messageId: 'no-last-error', body: JSON.stringify(withoutLastError), attributes: {}, invisibleUntil: 0, receiveCount: 0 },
      { messageId: 'version-9', body: JSON.stringify({ ...parked(1), version: 9 }), attributes: {}, invisibleUntil: 0, receiveCount: 0 },
      { messageId: 'not-json', body: '{"version":', attributes: {}, invisibleUntil: 0, receiveCount: 0 },
    );
    // WHEN the dry run reads them
    const { summary, lines } = await redrive({ dryRun: true });
    // THEN it reports each, and none stays hidden from other readers
    expect(summary).toMatchObject({ received: 3, dryRun: 1, unreadable: 2 });
    expect(lines).toContain(`would resend ${endpointId(0)} (***0000), last error unknown`);
    expect(queue.messages.every((m) => m.invisibleUntil <= Date.now())).toBe(true);
  });

  test('a run that fails half-way gives back what it had received instead of hiding it for two minutes', async () => {
    await park([parked(0), parked(1)]);
    const tokens = { get: async () => { throw Object.assign(new Error('no access'), { name: 'AccessDeniedException' }); }, refresh: async () => '' };
    await expect(runRedrive({ queueUrl: queue.queueUrl, dryRun: false, max: 10, includePermanent: false, includeUncertain: false }, {
      sqs, provider: new WhatsAppProvider({ baseUrl: graph.baseUrl, apiVersion: 'v25.0', phoneNumberId: '109876543210987' }),
      tokens, print: () => undefined, logger: new RecordingLogger(),
    })).rejects.toThrow('no access');
    expect(queue.messages).toHaveLength(2);
    expect(queue.messages.every((m) => m.invisibleUntil <= Date.now())).toBe(true);
  });

  test('--channel metrics is refused for what it is: the metrics channel parks nothing', () => {
    expect(() => parseRedriveArgs(['--queue-url', 'https://sqs/q', '--channel', 'metrics'], {})).toThrow('the metrics channel parks nothing');
  });

  test('--max stops after that many messages', async () => {
    await park([0, 1, 2, 3, 4].map((i) => parked(i)));
    const { summary } = await redrive({ max: 2 });
    expect(summary).toMatchObject({ received: 2, delivered: 2 });
    expect(queue.messages).toHaveLength(3);
  });

  test('shows progress on long runs', async () => {
    await park(Array.from({ length: 120 }, (_, i) => parked(i)));
    const { summary, lines } = await redrive();
    expect(summary.delivered).toBe(120);
    expect(lines.filter((l) => l.startsWith('progress:'))).toHaveLength(2);
  });
});

describe('redrive command line', () => {
  test.each([
    [[], '--queue-url is required'],
    [['--queue-url', 'queue'], '--queue-url is required'],
    [['--queue-url', 'https://sqs/q', '--max', '0'], '--max must be'],
    [['--queue-url', 'https://sqs/q'], '--token-secret-arn'],
    [['--queue-url', 'https://sqs/q', '--token-secret-arn', 'arn:aws:secretsmanager:eu-west-1:1:secret:t'], '--phone-number-id'],
  ])('%j is refused: %s', (argv, problem) => {
    expect(() => parseRedriveArgs(argv, {})).toThrow(UsageError);
    expect(() => parseRedriveArgs(argv, {})).toThrow(problem);
  });

  test('--channel chooses the provider and its own required settings', () => {
    const secret = ['--token-secret-arn', 'arn:aws:secretsmanager:eu-west-1:1:secret:t'];
    expect(parseRedriveArgs(['--queue-url', 'https://sqs/q', ...secret, '--channel', 'messenger'], {}).provider)
      .toMatchObject({ channel: 'messenger', pageId: 'me' });
    expect(() => parseRedriveArgs(['--queue-url', 'https://sqs/q', ...secret, '--channel', 'metrics'], {})).toThrow('--channel must be whatsapp or messenger');
    expect(() => parseRedriveArgs(['--queue-url', 'https://sqs/q', ...secret, '--channel', 'messenger', '--page-id', 'page'], {})).toThrow('--page-id');
  });

  test('the token is sent only to an https URL (or a stand-in on this machine): --graph-api-base-url is checked like the function\'s', () => {
    const base = ['--queue-url', 'https://sqs/q', '--token-secret-arn', 'arn:aws:secretsmanager:eu-west-1:1:secret:t', '--phone-number-id', '109876543210987'];
    expect(() => parseRedriveArgs([...base, '--graph-api-base-url', 'http://attacker.example'], {})).toThrow('--graph-api-base-url (or GRAPH_API_BASE_URL must use https)');
    expect(() => parseRedriveArgs([...base, '--graph-api-base-url', 'https://u:p@proxy.example'], {})).toThrow('must not hold a user name or password');
    expect(parseRedriveArgs([...base, '--graph-api-base-url', 'http://127.0.0.1:9'], {}).provider).toMatchObject({ baseUrl: 'http://127.0.0.1:9' });
  });

  test('an unknown flag is refused', () => {
    expect(() => parseRedriveArgs(['--queue-url', 'https://sqs/q', '--everything'], {})).toThrow(/Unknown option/);
  });

  test('the redrive command (what npm run redrive runs) works end to end with the standard AWS endpoint variables', async () => {
    // GIVEN a parked delivery, and the token in a Secrets Manager stand-in
    await park([parked(7)]);
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:token-AbC123';
    const secrets = await SecretsManagerServer.start({ [secretArn]: JSON.stringify({ accessToken: TOKEN }) });
    try {
      // WHEN the command runs
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'cli', 'redrive.ts'),
          '--queue-url', queue.queueUrl, '--token-secret-arn', secretArn, '--phone-number-id', '109876543210987', '--graph-api-base-url', graph.baseUrl], {
          env: {
            PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only',
            AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_SQS: queue.endpoint, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, NODE_NO_WARNINGS: '1',
          },
          timeout: 30_000,
        }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      });
      // THEN it delivered, deleted and said so
      expect(result.stderr.trim()).toBe('note: no --idempotency-table, so an endpoint a later invocation already delivered would be sent again');
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe('redrive done: 1 received, 1 delivered and deleted, 0 failed again, 0 permanent left, 0 uncertain left, 0 unreadable');
      expect(queue.messages).toHaveLength(0);
      expect(graph.requestsFor(phoneNumber(7))).toHaveLength(1);
    } finally {
      await secrets.stop();
    }
  });
});
