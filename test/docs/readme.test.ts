/**
 * The README's claims that a test can check: the deploy steps, followed literally, produce a
 * function that can send; the test send comes before any campaign is resumed; the Node.js version
 * it names is the one package.json requires and the AWS SDK does not warn about.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONNECT_PHONE_FIELDS, DEFAULT_MESSAGES_PER_SECOND, DEFAULT_WORKER_CONCURRENCY, DELIVERY_JOB_VERSION, parseDeliveryJob } from '../../lambda/contract';
import { MAX_CONNECT_PROFILES } from '../../lambda/triggers/connect/event';
import { MAX_CONNECT_MESSAGES_BYTES } from '../../lib/config-connect';
import { DEFAULT_WORKER_SETTINGS } from '../../lambda/triggers/sqs/jobs';
import { atMemory, MB_PER_VCPU, PRICE_PER_WRITE_UNIT, WRITE_UNITS_PER_MESSAGE } from '../../bench/support/arithmetic';
import { buildApp } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}`);
  expect(start).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

/** The steps' code blocks in order: JSON to merge into cdk.json's context, or shell commands. */
function codeBlocks(text: string): { lang: string; body: string; at: number }[] {
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2].replace(/^ {3}/gm, ''), at: m.index! }));
}

describe('README: deploying into an account', () => {
  const steps = section('Deploying into an account');

  test('followed literally, every deploy it names synthesizes, and each time the function has what it needs to send', () => {
    // GIVEN cdk.json as it ships, edited as each JSON block says, in order
    let context: Record<string, unknown> = {};
    const deploys: { stack: string; context: Record<string, unknown> }[] = [];
    for (const block of codeBlocks(steps)) {
      if (block.lang === 'json') context = { ...context, ...JSON.parse(block.body) };
      for (const line of block.lang === 'sh' ? block.body.split('\n') : []) {
        const deploy = /^npx cdk deploy (\S+)\s*$/.exec(line.trim());
        if (deploy) deploys.push({ stack: deploy[1], context: { ...context } });
        // The steps keep every setting in cdk.json: a -c flag would be gone on the next deploy.
        if (/^npx cdk /.test(line.trim())) expect(line).not.toContain(' -c ');
      }
    }
    expect(deploys.map((d) => d.stack)).toEqual(['PinpointCustomChannel-Delivery', 'PinpointCustomChannel-Campaign', 'PinpointCustomChannel-Campaign']);
    expect(deploys[0].context.whatsappPhoneNumberId).toMatch(/^\d+$/);
    for (const { stack, context: settings } of deploys) {
      // WHEN the app is built as that deploy builds it
      const app = buildApp(settings);
      const stacks = [app.delivery, app.campaign].filter((s) => s !== undefined);
      // THEN the named stack exists, and the function has its phone number id, secret and queue
      expect(stacks.map((s) => s!.stackName)).toContain(stack);
      Template.fromStack(app.delivery).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({
          WHATSAPP_PHONE_NUMBER_ID: settings.whatsappPhoneNumberId, TOKEN_SECRET_ARN: Match.anyValue(), JOB_QUEUE_URL: Match.anyValue(), DEAD_LETTER_QUEUE_URL: Match.anyValue(),
        }) },
      });
    }
    // and the last deploy resumes the campaign
    const last = buildApp(deploys.at(-1)!.context);
    Template.fromStack(last.campaign!).hasResourceProperties('AWS::Pinpoint::Campaign', { IsPaused: false });
  });

  test('the delivery stack comes first, and the test send comes before any campaign is resumed', () => {
    const blocks = codeBlocks(steps);
    const firstDeploy = blocks.find((b) => b.body.includes('npx cdk deploy'))!;
    expect(firstDeploy.body).toContain('npx cdk deploy PinpointCustomChannel-Delivery');
    const testSend = blocks.find((b) => /npm run ops -- send --to \S+/.test(b.body))!;
    const resume = blocks.find((b) => b.body.includes('"campaignPaused": false'))!;
    expect(testSend.at).toBeLessThan(resume.at);
  });

  test('the token step pipes the bare token into set-token and writes no token file', () => {
    expect(steps).toContain("printf '%s' \"$TOKEN\" | npm run ops -- set-token");
    expect(steps).not.toMatch(/token\.json/);
  });
});

describe('README: set-up', () => {
  test('the Node.js version it names is what package.json requires, and no older than the AWS SDK warns about', () => {
    const named = Number(/with Node\.js (\d+) or later/.exec(section('Set-up'))![1]);
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toBe(`>=${named}`);
    const sdk = fs.readFileSync(path.join(ROOT, 'node_modules', '@aws-sdk', 'core', 'dist-cjs', 'submodules', 'client', 'index.js'), 'utf8');
    const warnsBelow = Number(/const vv = (\d+);/.exec(sdk)![1]);
    expect(named).toBeGreaterThanOrEqual(warnsBelow);
  });
});

describe('README: the job queue', () => {
  test('the job it shows as the contract is one the worker accepts', () => {
    const [example] = codeBlocks(section('The job queue')).filter((b) => b.lang === 'json');
    const parsed = parseDeliveryJob(example.body);
    expect(parsed).toMatchObject({ ok: true, job: { version: DELIVERY_JOB_VERSION, channel: 'whatsapp' } });
  });

  test('the defaults it names are the contract\'s', () => {
    const table = section('Configuration');
    expect(table).toContain(`| \`messagesPerSecond\` | \`${DEFAULT_MESSAGES_PER_SECOND}\` |`);
    expect(table).toContain(`| \`workerConcurrency\` | \`${DEFAULT_WORKER_CONCURRENCY}\` |`);
    expect(section('The job queue')).toContain(`After ${DEFAULT_WORKER_SETTINGS.maxReceives} receives`);
  });
});

describe('README: Amazon Connect outbound campaigns', () => {
  const steps = section('Amazon Connect outbound campaigns');

  test('followed literally, the deploy it names builds both stacks: the permission for that instance, and a function that answers Connect', () => {
    // GIVEN cdk.json edited as the section's JSON says
    const context = Object.assign({}, ...codeBlocks(steps).filter((b) => b.lang === 'json').map((b) => JSON.parse(b.body)));
    const deploy = codeBlocks(steps).flatMap((b) => b.body.split('\n')).find((line) => line.startsWith('npx cdk deploy'))!;
    expect(deploy).not.toContain(' -c ');
    // WHEN built
    const app = buildApp(context);
    // THEN the stacks it deploys are the app's, the permission names the instance's account, and the function has the messages
    expect(deploy.split(' ').slice(3).sort()).toEqual([app.delivery.stackName, app.connect!.stackName].sort());
    Template.fromStack(app.connect!).hasResourceProperties('AWS::Lambda::Permission', { SourceAccount: context.connectInstanceArn.split(':')[4] });
    Template.fromStack(app.delivery).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRIGGER: 'connect', CONNECT_MESSAGES: JSON.stringify(context.connectMessages) }) },
    });
  });

  test('the test send comes before the campaign is created, and the defaults it names are the contract\'s', () => {
    expect(steps.indexOf('npm run ops -- connect-test')).toBeLessThan(steps.indexOf('create the **campaign**'));
    expect(steps).toContain(`| \`connectPhoneFields\` | \`${DEFAULT_CONNECT_PHONE_FIELDS.join(',')}\` |`);
    expect(steps).toContain(`at most ${MAX_CONNECT_PROFILES.toLocaleString('en-US')} profiles`);
    expect(steps).toContain(`At most ${MAX_CONNECT_MESSAGES_BYTES.toLocaleString('en-US')} bytes in all`);
  });
});

describe('README: cost, memory and cold start', () => {
  const text = section('Cost, memory and cold start');

  test('the table is the arithmetic the benchmark prints, from the figures the text quotes', () => {
    // GIVEN the batch the text quotes
    const [, wallMs, cpuMs] = /took (\d+) ms and (\d+) ms of CPU/.exec(text)!.map(Number);
    const rows = [...text.matchAll(/^\| (\d+) MB \| ([\d.]+) \| .* = (\d+) ms \| \$([\d.]+) \|$/gm)];
    expect(rows.map((row) => Number(row[1]))).toEqual([128, 256, 512]);
    // THEN every row is what bench/support/arithmetic.ts computes
    for (const [, memory, share, batchMs, cost] of rows) {
      const expected = atMemory(Number(memory), wallMs, cpuMs, 50);
      expect(share).toBe(expected.vcpuShare.toFixed(3));
      expect(Number(batchMs)).toBe(Math.round(expected.wallMs));
      expect(cost).toBe(expected.costPer1000Messages.toFixed(6));
    }
    expect(text).toContain(`256 / ${MB_PER_VCPU.toLocaleString('en-US')} = ${(256 / MB_PER_VCPU).toFixed(3)}`);
  });

  test('the default it names is the functions\' memory size, and the DynamoDB figures are the guard\'s', () => {
    const { delivery } = buildApp({});
    const functions = Object.values(Template.fromStack(delivery).findResources('AWS::Lambda::Function'));
    expect(text).toContain('Both functions run at the default 256 MB');
    expect(functions.map((fn) => fn.Properties.MemorySize)).toEqual([256, 256]);
    expect(text).toContain(`so ${WRITE_UNITS_PER_MESSAGE} write units, or $${(1000 * WRITE_UNITS_PER_MESSAGE * PRICE_PER_WRITE_UNIT).toFixed(4)} per 1,000`);
  });
});
