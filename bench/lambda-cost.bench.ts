/**
 * npm run bench, part 1: what a Lambda pays, measured as one would see it. The function runs as
 * `cdk synth` bundled it, in a process of its own (bare node, as the runtime loads it); every
 * stand-in runs in another process (Graph API and End User Messaging Social 100 ms per request,
 * DynamoDB 5 ms; SQS, Secrets Manager and Pinpoint's PutEvents, where outcomes are reported, at once),
 * so the CPU figures are the function's alone. Printed side by side, with the goals:
 * init over bare node, wall time and CPU per 50-endpoint batch for each function and provider, and
 * what source maps cost. With BENCH_BASELINE=<git rev>, the same figures for that commit's bundles,
 * measured in the same run, come first.
 */
import { statSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { DELIVERY_JOB_VERSION, type DeliveryJobMessage } from '../lambda/contract';
import { pinpointEvent } from '../test/support/events';
import { baselineCheckout, type Bundles, bundlesOf } from './support/bundles';
import { BENCH_ORIGINATION_ID, BENCH_PHONE_NUMBER_ID, BENCH_SECRET_ARN } from './support/constants';
import { bundleFile, type FunctionProcess, initFigures, lambdaEnv, median, type StandIn, startFunction, startStandIn } from './support/processes';
import { lambdaArithmetic } from './support/arithmetic';

const REQUEST_MS = 100;
const DYNAMODB_MS = 5;
const ENDPOINTS = 50;
const ROUNDS = 7;
const GOALS = { initMs: 50, checkedRatio: 2.0, cpuMs: 40 };

interface Row { readonly label: string; readonly wallMs: number; readonly cpuMs: number; readonly tableCalls: number; readonly checked: boolean; readonly rssMb: number }

let activity = 0;
/** A new campaign activity each time, so that the duplicate check meets first deliveries. */
function pinpointBatch(message?: unknown): Record<string, unknown> {
  return { ...pinpointEvent(ENDPOINTS, message ? { message } : {}), ActivityId: `bench-activity-${(activity += 1)}` };
}

function workerBatch(): SQSEvent {
  const run = (activity += 1);
  const jobs = Array.from({ length: ENDPOINTS }, (_, i): DeliveryJobMessage => ({
    version: DELIVERY_JOB_VERSION, channel: 'whatsapp', campaign: { campaignId: `bench-${run}` }, endpointId: `e${i}`,
    recipient: `1555${String(run).padStart(3, '0')}${String(i).padStart(4, '0')}`, idempotencyKey: `bench-${run}/e${i}`,
    message: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, enqueuedAt: new Date().toISOString(),
  }));
  return {
    Records: jobs.map((job, i) => ({
      messageId: `m${run}-${i}`, receiptHandle: `rh-${run}-${i}`, body: JSON.stringify(job), attributes: { ApproximateReceiveCount: '1' },
      eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
    })),
  } as unknown as SQSEvent;
}

function delivered(response: unknown): number {
  if (response && typeof response === 'object' && 'batchItemFailures' in response) return ENDPOINTS - (response as { batchItemFailures: unknown[] }).batchItemFailures.length;
  return Object.values(response as Record<string, { EventAttributes: { status: string } }>).filter((r) => r.EventAttributes.status === 'delivered').length;
}

interface Case { readonly label: string; readonly fn: FunctionProcess; readonly event: () => unknown; readonly checked: boolean }

async function measure(cases: readonly Case[], table: StandIn): Promise<Row[]> {
  for (const c of cases) await c.fn.invoke(c.event()); // warm: token read, connections, first-call code paths
  const samples = cases.map(() => ({ wall: [] as number[], cpu: [] as number[], calls: 0, rss: 0 }));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, c] of cases.entries()) {
      const before = await table.count();
      const run = await c.fn.invoke(c.event());
      if (run.error || delivered(run.response) !== ENDPOINTS) throw new Error(`${c.label}: not every endpoint was delivered (${run.error?.message ?? delivered(run.response)})`);
      samples[i].wall.push(run.wallMs);
      samples[i].cpu.push(run.cpuMs);
      samples[i].rss = Math.max(samples[i].rss, run.rssMb);
      samples[i].calls = (await table.count()) - before;
    }
  }
  return cases.map((c, i) => ({ label: c.label, wallMs: median(samples[i].wall), cpuMs: median(samples[i].cpu), tableCalls: samples[i].calls, checked: c.checked, rssMb: samples[i].rss }));
}

interface StackCost { firstMs: number; secondMs: number; mapped: boolean }
interface Measured { readonly name: string; readonly bundles: Bundles; readonly rows: Row[]; readonly init: InitRow[]; readonly stack: { plain: StackCost; maps: StackCost } }
interface InitRow { readonly label: string; readonly kb: number; readonly overBareMs: number; readonly withMapsMs: number }

async function measureCheckout(name: string, bundles: Bundles, standIns: Record<string, StandIn>): Promise<Measured> {
  const stands = Object.values(standIns).reduce((env, s) => ({ ...env, ...s.env }), {} as Record<string, string>);
  // The environment the function is deployed with (NODE_OPTIONS as the checkout sets it, measured separately).
  const graphEnv = { ...stands, TOKEN_SECRET_ARN: BENCH_SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: BENCH_PHONE_NUMBER_ID, NODE_OPTIONS: bundles.nodeOptions };
  const checked = { IDEMPOTENCY_TABLE_NAME: 'bench' };
  const awsEnv = {
    ...graphEnv, TOKEN_SECRET_ARN: undefined, WHATSAPP_PHONE_NUMBER_ID: undefined, WHATSAPP_API: 'aws', WHATSAPP_ORIGINATION_PHONE_NUMBER_ID: BENCH_ORIGINATION_ID, ...checked,
  };
  const started = await Promise.all([
    startFunction(bundles.pinpoint, lambdaEnv(graphEnv)),
    startFunction(bundles.pinpoint, lambdaEnv({ ...graphEnv, ...checked })),
    startFunction(bundles.pinpoint, lambdaEnv({ ...graphEnv, ...checked, CHANNEL: 'messenger', WHATSAPP_PHONE_NUMBER_ID: undefined })),
    startFunction(bundles.endUserMessaging, lambdaEnv(awsEnv)),
    startFunction(bundles.worker, lambdaEnv({ ...graphEnv, ...checked, MESSAGES_PER_SECOND: '1000', WORKER_CONCURRENCY: '1' })),
  ]);
  const [plain, whatsapp, messenger, aws, worker] = started;
  const rows = await measure([
    { label: 'Pinpoint fn, WhatsApp (Graph), no check', fn: plain, event: () => pinpointBatch(), checked: false },
    { label: 'Pinpoint fn, WhatsApp (Graph), check', fn: whatsapp, event: () => pinpointBatch(), checked: true },
    { label: 'Pinpoint fn, Messenger (Graph), check', fn: messenger, event: () => pinpointBatch({ message: { text: 'Hi {{User.UserAttributes.FirstName}}' } }), checked: true },
    { label: 'Pinpoint fn, WhatsApp (EUM Social), check', fn: aws, event: () => pinpointBatch(), checked: true },
    { label: 'worker, WhatsApp (Graph), check, 1000/s', fn: worker, event: workerBatch, checked: true },
  ], standIns.dynamodb);
  await Promise.all(started.map((fn) => fn.stop()));
  const stackCost = async (nodeOptions: string | undefined) => {
    const fn = await startFunction(bundles.pinpoint, lambdaEnv({ ...graphEnv, ...checked, NODE_OPTIONS: nodeOptions }));
    try {
      return await fn.stackCost(pinpointBatch());
    } finally {
      await fn.stop();
    }
  };
  const stack = { plain: await stackCost(undefined), maps: await stackCost('--enable-source-maps') };

  const initEnv = lambdaEnv({ ...graphEnv, ...checked, NODE_OPTIONS: undefined });
  const initOf = (label: string, dir: string, env = initEnv): InitRow => {
    const bare = initFigures(dir, env);
    const maps = initFigures(dir, { ...env, NODE_OPTIONS: '--enable-source-maps' });
    return { label, kb: bundleKb(dir), overBareMs: bare.importMs - bare.bareMs, withMapsMs: maps.importMs - maps.bareMs };
  };
  const init = [
    initOf('Pinpoint fn (Graph)', bundles.pinpoint),
    initOf('worker (Graph)', bundles.worker),
    initOf('Pinpoint fn (EUM Social)', bundles.endUserMessaging, lambdaEnv({ ...awsEnv, NODE_OPTIONS: undefined })),
  ];
  return { name, bundles, rows, init, stack };
}

function bundleKb(dir: string): number {
  return statSync(bundleFile(dir)).size / 1024;
}

const pad = (text: string, width: number) => text.padEnd(width);
const num = (value: number, width = 7, digits = 0) => value.toFixed(digits).padStart(width);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

function print(all: readonly Measured[]): void {
  for (const m of all) {
    console.log(`\n[${m.name}]`);
    const deployedWithMaps = m.bundles.nodeOptions?.includes('--enable-source-maps') ?? false;
    console.log(`Init: importing the bundle as synthesized, over bare node (median of 9, alternating)   goal <= ${GOALS.initMs} ms, as deployed (*)`);
    console.log(`  ${pad('function', 44)}${'bundle KB'.padStart(10)}${'plain ms'.padStart(10)}${'--enable-source-maps ms'.padStart(25)}`);
    for (const r of m.init) {
      const deployed = deployedWithMaps ? r.withMapsMs : r.overBareMs;
      const mark = (on: boolean) => (on ? '*' : ' ');
      console.log(`  ${pad(r.label, 44)}${num(r.kb, 10, 1)}${num(r.overBareMs, 9)}${mark(!deployedWithMaps)}${num(r.withMapsMs, 24)}${mark(deployedWithMaps)}   ${verdict(deployed <= GOALS.initMs)}`);
    }
    const stack = (label: string, s: StackCost) => `${label}: first ${s.firstMs.toFixed(1)} ms, second ${s.secondMs.toFixed(1)} ms${s.mapped ? ' (names the .ts sources)' : ''}`;
    console.log(`  deployed with NODE_OPTIONS=${m.bundles.nodeOptions ?? '(none)'}; reading an error's stack ${stack('without source maps', m.stack.plain)}; ${stack('with', m.stack.maps)}`);
    console.log(`Per ${ENDPOINTS}-endpoint batch, warm, median of ${ROUNDS} (request ${REQUEST_MS} ms, DynamoDB ${DYNAMODB_MS} ms)   goals: check <= ${GOALS.checkedRatio.toFixed(1)} x one request, CPU <= ${GOALS.cpuMs} ms`);
    console.log(`  ${pad('function and provider', 44)}${'wall ms'.padStart(8)}${'x request'.padStart(11)}${'CPU ms'.padStart(8)}${'DynamoDB calls'.padStart(16)}${'RSS MB'.padStart(8)}`);
    for (const r of m.rows) {
      const ratio = r.wallMs / REQUEST_MS;
      const goals = r.label.startsWith('worker') ? verdict(r.cpuMs <= GOALS.cpuMs) : `${r.checked ? verdict(ratio <= GOALS.checkedRatio) : '   '} / ${verdict(r.cpuMs <= GOALS.cpuMs)}`;
      console.log(`  ${pad(r.label, 44)}${num(r.wallMs, 8)}${num(ratio, 11, 2)}${num(r.cpuMs, 8)}${num(r.tableCalls, 16)}${num(r.rssMb, 8)}   ${goals}`);
    }
  }
  const now = all[all.length - 1];
  const checkedRow = now.rows.find((r) => r.label === 'Pinpoint fn, WhatsApp (Graph), check')!;
  console.log(`\n${lambdaArithmetic(checkedRow.wallMs, checkedRow.cpuMs, ENDPOINTS)}`);
  console.log('  (worker: paced at 1000 messages per second here, so its wall time is the pacer\'s; its CPU is the figure to read)');
}

async function main(): Promise<void> {
  const baseline = process.env.BENCH_BASELINE;
  const checkouts: { name: string; bundles: Bundles }[] = [];
  if (baseline) checkouts.push({ name: `before: ${baseline}`, bundles: bundlesOf(baselineCheckout(baseline)) });
  checkouts.push({ name: 'now: this checkout', bundles: bundlesOf() });
  const standIns = {
    graph: await startStandIn('graph', REQUEST_MS),
    social: await startStandIn('social', REQUEST_MS),
    dynamodb: await startStandIn('dynamodb', DYNAMODB_MS),
    sqs: await startStandIn('sqs'),
    secrets: await startStandIn('secrets'),
    pinpoint: await startStandIn('pinpoint'),
  };
  try {
    const measured: Measured[] = [];
    for (const checkout of checkouts) measured.push(await measureCheckout(checkout.name, checkout.bundles, standIns));
    print(measured);
  } finally {
    await Promise.all(Object.values(standIns).map((s) => s.stop()));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
