/**
 * npm run bench, part 2: a campaign through the job queue. 3,000 jobs go through the worker's real
 * handler, against a Graph API stand-in that enforces R messages per second per phone number
 * (130429 past it) and the pair rate (131056), with a harness that plays SQS's event source mapping:
 * a queue with visibility timeouts, at most `workers` invocations at once, partial batch responses,
 * receive counts and a dead-letter queue. Three runs: steady, a worker that crashes mid-batch, and a
 * 5-second provider outage. Figures, not assertions: this machine is shared, so read them side by side.
 */
import * as path from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DELIVERY_JOB_VERSION, type DeliveryJobMessage } from '../lambda/contract';
import { jobBatchSize } from '../lib/constructs/job-queue-worker';
import { DynamoDbServer } from '../test/integration/stand-ins/dynamodb-server';
import { runEventSourceMapping } from '../test/integration/stand-ins/event-source-mapping';
import { GraphApiServer } from '../test/integration/stand-ins/graph-api-server';
import { SecretsManagerServer } from '../test/integration/stand-ins/secrets-manager-server';
import { SqsServer } from '../test/integration/stand-ins/sqs-server';

const JOBS = 3000;
const RATE = 100;
const WORKERS = 4;
/** Shorter than the deployed 180 s, so that a crashed batch comes back within the run. */
const VISIBILITY_SECONDS = 10;
const MAX_RECEIVE_COUNT = 10;
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bench-token-AbC123';
const TOKEN = 'test-token-throughput-bench';
const CREDENTIALS = { accessKeyId: 'AKIDBENCHONLY', secretAccessKey: 'bench-only' };

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A new copy of the worker module: one per simulated container, each with its own pacer. */
function loadWorker(env: Record<string, string>): Handler {
  Object.assign(process.env, env);
  for (const file of Object.keys(require.cache)) if (file.includes(`${path.sep}lambda${path.sep}`)) delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../lambda/worker') as { handler: Handler }).handler;
}

interface Scenario { readonly name: string; readonly crashOnce?: boolean; readonly outageAfterMs?: number }

async function run(scenario: Scenario, servers: { graph: GraphApiServer; sqs: SqsServer }, env: Record<string, string>, runId: number) {
  const { graph, sqs } = servers;
  graph.reset();
  sqs.messages.length = 0;
  const enqueuedAt = Date.now();
  for (let i = 0; i < JOBS; i += 1) {
    const job: DeliveryJobMessage = {
      version: DELIVERY_JOB_VERSION, channel: 'whatsapp', campaign: { campaignId: `bench-${runId}` }, endpointId: `e${i}`,
      recipient: `1555${String(runId).padStart(2, '0')}${String(i).padStart(5, '0')}`, message: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } },
      idempotencyKey: `bench-${runId}/e${i}`, enqueuedAt: new Date(enqueuedAt).toISOString(),
    };
    sqs.messages.push({ messageId: `j${runId}-${i}`, body: JSON.stringify(job), attributes: {}, invisibleUntil: 0, receiveCount: 0, queue: 'jobs' });
  }
  const workers = Array.from({ length: WORKERS }, () => loadWorker(env));
  if (scenario.outageAfterMs !== undefined) setTimeout(() => { graph.outageUntil = Date.now() + 5000; }, scenario.outageAfterMs);
  await runEventSourceMapping(sqs, workers, {
    queue: 'jobs', deadLetterQueue: 'jobs-dlq', batchSize: jobBatchSize(RATE / WORKERS), visibilitySeconds: VISIBILITY_SECONDS,
    maxReceiveCount: MAX_RECEIVE_COUNT, stopAfterMs: 300_000, crashOnce: scenario.crashOnce,
  });

  const accepted = graph.requests.filter((r) => r.answer === 'accept');
  const recipients = new Set(Array.from({ length: JOBS }, (_, i) => `1555${String(runId).padStart(2, '0')}${String(i).padStart(5, '0')}`));
  const deadLettered = new Set(sqs.messagesOf('jobs-dlq').map((m) => JSON.parse(m.body).recipient as string));
  const deliveredTo = new Set(accepted.map((r) => r.recipient));
  const lost = [...recipients].filter((r) => !deliveredTo.has(r) && !deadLettered.has(r)).length;
  const duplicated = [...graph.accepted.values()].filter((ids) => ids.length > 1).length;
  const throttled = graph.requests.filter((r) => r.answer === 'error' && /130429|131056/.test(JSON.stringify(r))).length;
  const times = accepted.map((r) => r.at).sort((a, b) => a - b);
  const rateBetween = (from: number, to: number) => (to - from) / ((times[to] - times[from]) / 1000);
  // Sustained: the middle 80 % of the deliveries, without the start (workers warming up) and the end
  // (the last batches, when some workers have nothing left), where a campaign of any size spends its time.
  const sustained = rateBetween(Math.floor(times.length * 0.1), Math.floor(times.length * 0.9));
  const whole = rateBetween(0, times.length - 1);
  const latencies = accepted.map((r) => r.at - enqueuedAt).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] / 1000;
  return {
    name: scenario.name, delivered: deliveredTo.size, deadLettered: deadLettered.size, ratio: sustained / RATE, wholeRatio: whole / RATE,
    throttledShare: throttled / graph.requests.length, lost, duplicated, p50: pct(50), p99: pct(99), requests: graph.requests.length,
  };
}

async function main(): Promise<void> {
  const graph = await GraphApiServer.start({ validToken: TOKEN, latencyMs: 100, ratePerSecond: RATE, pairIntervalMs: 6000 });
  const secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  const sqs = await SqsServer.start();
  const table = await DynamoDbServer.start({ latencyMs: 5 });
  const env = {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: '109876543210987', GRAPH_API_BASE_URL: graph.baseUrl, POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    JOB_QUEUE_URL: sqs.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: sqs.urlOf('jobs-dlq'), IDEMPOTENCY_TABLE_NAME: 'bench',
    MESSAGES_PER_SECOND: String(RATE), WORKER_CONCURRENCY: String(WORKERS), POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const write = process.stdout.write.bind(process.stdout);
  // The workers' own log lines would bury the figures.
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const results = [];
  try {
    const scenarios: Scenario[] = [{ name: 'steady' }, { name: 'a worker crashes mid-batch', crashOnce: true }, { name: '5 s provider outage', outageAfterMs: 8000 }];
    for (const [index, scenario] of scenarios.entries()) results.push(await run(scenario, { graph, sqs }, env, index + 1));
  } finally {
    process.stdout.write = write;
    await Promise.all([graph.stop(), secrets.stop(), sqs.stop(), table.stop()]);
  }
  console.log(`\nA campaign of ${JOBS} jobs through the job queue: R = ${RATE} per second per number, ${WORKERS} workers, 100 ms per request`);
  console.log('  run                          rate/R sustained  (whole run)  throttled  lost  twice  dead-lettered  p50 s   p99 s');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(28)} ${r.ratio.toFixed(2).padStart(16)}  ${`(${r.wholeRatio.toFixed(2)})`.padStart(11)}  ${(100 * r.throttledShare).toFixed(1).padStart(7)} %  ${String(r.lost).padStart(4)}  ${String(r.duplicated).padStart(5)}  ${String(r.deadLettered).padStart(13)}  ${r.p50.toFixed(1).padStart(5)}  ${r.p99.toFixed(1).padStart(6)}`);
  }
  console.log('  targets: rate/R sustained >= 0.90 (steady), throttled < 2 %, lost 0, twice 0 (every run)');
  console.log('  sustained: the rate over the middle 80 % of the deliveries; whole run: first to last delivery');
}

void main();
