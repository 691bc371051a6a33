/**
 * npm run bench: one 50-endpoint batch against a local Graph API stand-in with 100 ms latency per
 * request. Our handler is measured next to a one-endpoint-at-a-time baseline (what the public samples
 * do), with and without the idempotency check (a DynamoDB stand-in answering in 5 ms, about an
 * in-region call), all in the same run. Also the bundle's size and the time Node takes to load it.
 *
 * Figures are medians of several rounds; the machine is shared, so compare the columns of one run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { DEFAULT_SETTINGS } from '../lambda/core';
import type * as HandlerModule from '../lambda/handler';
import { pinpointEvent, TEMPLATE_MESSAGE } from '../test/support/events';
import { DynamoDbServer } from '../test/integration/stand-ins/dynamodb-server';
import { GraphApiServer } from '../test/integration/stand-ins/graph-api-server';
import { SecretsManagerServer } from '../test/integration/stand-ins/secrets-manager-server';
import { SocialMessagingServer } from '../test/integration/stand-ins/social-messaging-server';
import { SqsServer } from '../test/integration/stand-ins/sqs-server';

const LATENCY_MS = 100;
const DYNAMODB_LATENCY_MS = 5;
const ENDPOINTS = 50;
const ROUNDS = 7;
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bench-token-AbC123';
const TOKEN = 'test-token-bench';
const PHONE_NUMBER_ID = '109876543210987';

type Handler = typeof HandlerModule.handler;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function lambdaContext() {
  const deadline = Date.now() + 13_000;
  return { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => deadline - Date.now() } as never;
}

/** A fresh copy of the handler module, as a new container with `env` would load it. */
function loadHandler(env: Record<string, string | undefined>): Handler {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const file of Object.keys(require.cache)) if (file.includes(`${path.sep}lambda${path.sep}`)) delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../lambda/handler') as typeof HandlerModule).handler;
}

/** What the public samples do: one request after another, waiting for each. */
async function oneAtATime(baseUrl: string, event: ReturnType<typeof pinpointEvent>): Promise<number> {
  let delivered = 0;
  for (const endpoint of Object.values(event.Endpoints as Record<string, { Address: string }>)) {
    const response = await fetch(`${baseUrl}/v25.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: endpoint.Address.slice(1), ...TEMPLATE_MESSAGE }),
    });
    await response.text();
    if (response.ok) delivered += 1;
  }
  return delivered;
}

async function timed(run: () => Promise<number>): Promise<{ ms: number; delivered: number }> {
  const started = performance.now();
  const delivered = await run();
  return { ms: performance.now() - started, delivered };
}

function bundleFigures(): { bytes: number; loadMs: number; emptyMs: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  const outfile = path.join(dir, 'index.js');
  // The same esbuild options NodejsFunction uses for the stack (minified, Node 24, SDK left out).
  buildSync({
    entryPoints: [path.join(__dirname, '..', 'lambda', 'handler.ts')], bundle: true, minify: true, platform: 'node',
    target: 'node24', format: 'cjs', external: ['@aws-sdk/*'], outfile, logLevel: 'silent',
  });
  const env = {
    ...process.env, NODE_NO_WARNINGS: '1', NODE_PATH: path.join(__dirname, '..', 'node_modules'), TOKEN_SECRET_ARN: SECRET_ARN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID, AWS_REGION: 'eu-west-1', JOB_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dead-letters',
    IDEMPOTENCY_TABLE_NAME: 'bench',
  };
  const time = (code: string) => {
    const runs: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      execFileSync(process.execPath, ['-e', code], { env });
      runs.push(performance.now() - started);
    }
    return median(runs);
  };
  return { bytes: fs.statSync(outfile).size, loadMs: time(`require(${JSON.stringify(outfile)})`), emptyMs: time('') };
}

async function main(): Promise<void> {
  const graph = await GraphApiServer.start({ latencyMs: LATENCY_MS, validToken: TOKEN });
  const secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  const queue = await SqsServer.start();
  const table = await DynamoDbServer.start({ latencyMs: DYNAMODB_LATENCY_MS });
  const social = await SocialMessagingServer.start({ latencyMs: LATENCY_MS });
  const common = {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY', AWS_SECRET_ACCESS_KEY: 'bench-only', AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    GRAPH_API_BASE_URL: graph.baseUrl, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_ENDPOINT_URL_SQS: queue.endpoint, JOB_QUEUE_URL: queue.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: queue.urlOf('dead-letters'),
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
  };
  const withoutCheck = loadHandler({ ...common, IDEMPOTENCY_TABLE_NAME: undefined });
  const withCheck = loadHandler({ ...common, IDEMPOTENCY_TABLE_NAME: 'bench' });
  // The other WhatsApp provider: AWS End User Messaging Social, signed by IAM, no token.
  const viaAws = loadHandler({
    ...common, IDEMPOTENCY_TABLE_NAME: 'bench', TOKEN_SECRET_ARN: undefined, WHATSAPP_API: 'aws',
    WHATSAPP_ORIGINATION_PHONE_NUMBER_ID: 'phone-number-id-0123456789abcdef0123456789abcdef', AWS_ENDPOINT_URL_SOCIALMESSAGING: social.endpoint,
  });

  // Silence the function's metrics lines; the figures below are what this run is for.
  const write = process.stdout.write.bind(process.stdout);
  const quietly = async <T>(run: () => Promise<T>): Promise<T> => {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      return await run();
    } finally {
      process.stdout.write = write;
    }
  };
  let activity = 0;
  /** A new campaign activity each time, so that the idempotency check always meets a first delivery. */
  const freshEvent = () => ({ ...pinpointEvent(ENDPOINTS), ActivityId: `bench-activity-${(activity += 1)}` });
  const delivered = (handler: Handler, event = freshEvent()) => quietly(() => timed(async () => {
    const response = await handler(event, lambdaContext());
    return Object.values(response).filter((r) => r.EventAttributes.status === 'delivered').length;
  }));

  // Warm up every path once (token read, connection pools), as a warm Lambda container would be.
  await delivered(withoutCheck);
  await delivered(withCheck);
  await delivered(viaAws);
  await oneAtATime(graph.baseUrl, freshEvent());

  const figures = { plain: [] as number[], checked: [] as number[], repeat: [] as number[], baseline: [] as number[], aws: [] as number[] };
  let tableCallsPerBatch = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const plain = await delivered(withoutCheck);
    const callsBefore = table.operations.length;
    const event = freshEvent();
    const checked = await delivered(withCheck, event);
    tableCallsPerBatch = table.operations.length - callsBefore;
    const requestsBefore = graph.requests.length;
    const repeat = await delivered(withCheck, event);
    if (graph.requests.length !== requestsBefore) throw new Error('a repeated batch sent messages again');
    const baseline = await timed(() => oneAtATime(graph.baseUrl, freshEvent()));
    const aws = await delivered(viaAws);
    for (const run of [plain, checked, repeat, baseline, aws]) {
      if (run.delivered !== ENDPOINTS) throw new Error(`not every endpoint was delivered (${run.delivered})`);
    }
    figures.plain.push(plain.ms);
    figures.checked.push(checked.ms);
    figures.repeat.push(repeat.ms);
    figures.baseline.push(baseline.ms);
    figures.aws.push(aws.ms);
  }
  await Promise.all([graph.stop(), secrets.stop(), queue.stop(), table.stop(), social.stop()]);

  const [plainMs, checkedMs, repeatMs, baselineMs, awsMs] = [figures.plain, figures.checked, figures.repeat, figures.baseline, figures.aws].map(median);
  const target = 2.5 * LATENCY_MS;
  const row = (label: string, ms: number, note = '') => console.log(`  ${label.padEnd(38)}${ms.toFixed(0).padStart(6)} ms${note}`);
  console.log(`Delivery of one ${ENDPOINTS}-endpoint batch, ${LATENCY_MS} ms per request, median of ${ROUNDS} rounds `
    + `(concurrency ${Number(process.env.MAX_CONCURRENCY ?? DEFAULT_SETTINGS.concurrency)}):`);
  row('one at a time (baseline)', baselineMs);
  row('handler, no idempotency check', plainMs, `   = ${(plainMs / LATENCY_MS).toFixed(2)} x one request, ${(baselineMs / plainMs).toFixed(1)} x faster than baseline`);
  row('handler, idempotency check (default)', checkedMs, `   = ${(checkedMs / LATENCY_MS).toFixed(2)} x one request, ${(baselineMs / checkedMs).toFixed(1)} x faster than baseline`);
  row('  cost of the check per batch', checkedMs - plainMs, `   (${tableCallsPerBatch} DynamoDB calls at ${DYNAMODB_LATENCY_MS} ms each, 2 per endpoint, in parallel)`);
  row('handler, the same batch again', repeatMs, '   (every endpoint already delivered: nothing sent)');
  row('via End User Messaging Social (check)', awsMs, `   = ${(awsMs / LATENCY_MS).toFixed(2)} x one request (whatsappApi=aws: SigV4-signed, no token)`);
  const verdict = (ms: number) => (ms < target ? 'met' : 'NOT MET');
  console.log(`  target: under ${target} ms (2.5 x one request): ${verdict(plainMs)} without the check, ${verdict(checkedMs)} with it`);

  const bundle = bundleFigures();
  console.log('Bundle (minified, AWS SDK left to the runtime):');
  console.log(`  size                                  ${(bundle.bytes / 1024).toFixed(1).padStart(6)} KB`);
  console.log(`  node start + require                  ${bundle.loadMs.toFixed(0).padStart(6)} ms   (node start alone ${bundle.emptyMs.toFixed(0)} ms)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
