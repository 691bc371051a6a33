/**
 * npm run redrive -- --queue-url URL [--dry-run] [--max N] [--include-permanent] [--include-uncertain]
 *
 * Sends parked deliveries again through the same core and provider code as the function, and
 * deletes each message only once its endpoint was delivered. Permanent failures stay in the queue
 * unless --include-permanent is given, and so do uncertain ones (the provider never answered, so it
 * may have delivered them) unless --include-uncertain is given. Messages left in the queue are made
 * visible again at the end.
 */
import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { PowertoolsDeliveryGuard } from '../lambda/adapters/dynamodb-delivery-guard';
import { SecretsManagerTokenSource } from '../lambda/adapters/secrets-manager-token-source';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, DEFAULT_PSID_ATTRIBUTE, isObject } from '../lambda/contract';
import { DEFAULT_SETTINGS, deliveryKey, type DeliverySettings, sendJobs, systemClock } from '../lambda/core';
import {
  type ChannelProvider, type DeliveryGuard, type DeliveryJob, type DeliveryLogger, maskRecipient, PARKED_DELIVERY_VERSION, type ParkedDelivery, type TokenSource,
} from '../lambda/domain';
import { createProvider, type ProviderConfig } from '../lambda/providers';

export interface RedriveOptions {
  readonly queueUrl: string;
  readonly dryRun: boolean;
  /** Stop after this many messages. */
  readonly max: number;
  readonly includePermanent: boolean;
  /** Also resend deliveries whose last request went unanswered (they may already have arrived). */
  readonly includeUncertain: boolean;
}

export interface RedriveDeps {
  readonly sqs: SQSClient;
  readonly provider: ChannelProvider;
  readonly tokens: TokenSource;
  /** Progress and summary lines. */
  readonly print: (line: string) => void;
  readonly logger: DeliveryLogger;
  /** The function's idempotency table: an endpoint a later invocation delivered is deleted, not resent. */
  readonly guard?: DeliveryGuard & { registerDeadline?(deadline: number): void };
  /**
   * How the resends are made.
   *
   * @default DEFAULT_SETTINGS: as the function sends
   */
  readonly settings?: DeliverySettings;
}

export interface RedriveSummary {
  readonly received: number;
  readonly delivered: number;
  /** Of `delivered`: endpoints already delivered by a later invocation, deleted without a send. */
  readonly alreadyDelivered: number;
  readonly failed: number;
  readonly permanentLeft: number;
  readonly uncertainLeft: number;
  readonly unreadable: number;
  readonly dryRun: number;
}

/** How long a received message stays hidden from other consumers while it is resent. */
const VISIBILITY_TIMEOUT_SECONDS = 120;
const PROGRESS_EVERY = 50;

export async function runRedrive(options: RedriveOptions, deps: RedriveDeps): Promise<RedriveSummary> {
  const counts = { received: 0, delivered: 0, alreadyDelivered: 0, failed: 0, permanentLeft: 0, uncertainLeft: 0, unreadable: 0, dryRun: 0 };
  const seen = new Set<string>();
  const leftInQueue: Message[] = [];
  let lastProgress = 0;
  let receivesWithNothingNew = 0;

  while (counts.received < options.max) {
    const { Messages: messages = [] } = await deps.sqs.send(new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.min(10, options.max - counts.received),
      VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
      WaitTimeSeconds: 1,
    }));
    // Nothing, or only messages this run has already seen (left in the queue, visible again after the
    // timeout of a long run): after a few such answers in a row, every message has had its turn.
    const fresh = messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) {
      receivesWithNothingNew += 1;
      if (messages.length === 0 || receivesWithNothingNew >= 3) break;
      continue;
    }
    receivesWithNothingNew = 0;
    fresh.forEach((m) => seen.add(m.MessageId!));
    counts.received += fresh.length;

    const jobs: { job: DeliveryJob; message: Message }[] = [];
    for (const message of fresh) {
      const parked = parseParked(message.Body);
      if (!parked || parked.channel !== deps.provider.channel) {
        counts.unreadable += 1;
        deps.print(parked
          ? `message ${message.MessageId} is for the ${parked.channel} channel, not ${deps.provider.channel}; left in the queue`
          : `unreadable message ${message.MessageId} left in the queue`);
        leftInQueue.push(message);
      } else if (parked.permanent && !options.includePermanent) {
        counts.permanentLeft += 1;
        leftInQueue.push(message);
      } else if (parked.uncertain && !options.includeUncertain) {
        counts.uncertainLeft += 1;
        leftInQueue.push(message);
      } else if (options.dryRun) {
        counts.dryRun += 1;
        deps.print(`would resend ${parked.endpointId} (${maskRecipient(parked.recipient)}), last error ${parked.lastError.code}`);
        leftInQueue.push(message);
      } else {
        jobs.push({
          message,
          job: {
            endpointId: parked.endpointId, channelType: parked.channelType, recipient: parked.recipient,
            maskedRecipient: maskRecipient(parked.recipient), message: parked.message, key: redriveKey(parked),
          },
        });
      }
    }

    if (jobs.length > 0) {
      // Everything must be sent and deleted before the messages become visible to others again.
      const deadline = Date.now() + (VISIBILITY_TIMEOUT_SECONDS - 20) * 1000;
      deps.guard?.registerDeadline?.(deadline);
      const { results, counters } = await sendJobs(jobs.map((j) => j.job), {
        guard: deps.guard,
        provider: deps.provider,
        tokens: deps.tokens,
        clock: systemClock,
        deadline,
        logger: deps.logger,
        settings: deps.settings ?? DEFAULT_SETTINGS,
      });
      for (const [index, result] of results.entries()) {
        const { message } = jobs[index];
        if (result.status === 'delivered') {
          // Deleted only now that the provider accepted it: a crash before this line resends, never loses.
          await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
          counts.delivered += 1;
        } else {
          counts.failed += 1;
          deps.print(result.status === 'skipped'
            ? `not sent (${result.reason}): ${result.endpointId}; left in the queue`
            : `failed again: ${result.endpointId} (${result.errorCode}: ${result.reason}); left in the queue`);
          leftInQueue.push(message);
        }
      }
      counts.alreadyDelivered += counters.alreadyDelivered;
    }

    if (counts.received - lastProgress >= PROGRESS_EVERY) {
      lastProgress = counts.received;
      deps.print(`progress: ${counts.received} received, ${counts.delivered} delivered, ${counts.failed} failed`);
    }
  }

  // Let other consumers (or the next run) see what this run left, without waiting out the timeout.
  for (const message of leftInQueue) {
    await deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }))
      .catch(() => undefined);
  }

  deps.print(`redrive ${options.dryRun ? '(dry run) ' : ''}done: ${counts.received} received, ${counts.delivered} delivered and deleted, `
    + `${counts.alreadyDelivered ? `(${counts.alreadyDelivered} of them already delivered earlier, not resent), ` : ''}`
    + `${counts.failed} failed again, ${counts.permanentLeft} permanent left, ${counts.uncertainLeft} uncertain left, ${counts.unreadable} unreadable`
    + `${options.dryRun ? `, ${counts.dryRun} would be resent` : ''}`);
  return counts;
}

/**
 * The guard's key for a resend. An uncertain delivery's own key records that it may have arrived,
 * and that record keeps repeated Pinpoint batches from sending it; the operator's explicit resend
 * (--include-uncertain) has a key of its own, so it sends once, and a second redrive does not.
 */
function redriveKey(parked: ParkedDelivery): string | undefined {
  const key = deliveryKey(parked.ids, parked.endpointId);
  return key && parked.uncertain ? `${key}#resend` : key;
}

function parseParked(body: string | undefined): ParkedDelivery | undefined {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    if (!isObject(parsed) || parsed.version !== PARKED_DELIVERY_VERSION) return undefined;
    if (typeof parsed.endpointId !== 'string' || typeof parsed.recipient !== 'string' || !isObject(parsed.message)) return undefined;
    return parsed as unknown as ParkedDelivery;
  } catch {
    return undefined;
  }
}

const USAGE = `Usage: npm run redrive -- --queue-url URL [--dry-run] [--max N] [--include-permanent] [--include-uncertain]
    [--token-secret-arn ARN] [--idempotency-table NAME] [--channel whatsapp|messenger]
    [--phone-number-id ID] [--page-id ID] [--graph-api-version v25.0] [--graph-api-base-url URL]

Resends parked deliveries and deletes each one once it is delivered. Left in the queue unless asked:
permanent failures (--include-permanent) and uncertain ones, whose request went unanswered so that
WhatsApp may have delivered them (--include-uncertain; check the delivery webhooks first).
The channel (default whatsapp), token secret ARN, phone number id (WhatsApp), page id (Messenger,
default me) and idempotency table default to CHANNEL, TOKEN_SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID,
MESSENGER_PAGE_ID and IDEMPOTENCY_TABLE_NAME; the delivery stack's outputs (ParkingQueueUrl,
TokenSecretArn, IdempotencyTableName) give their values. With the table, an endpoint that a later
invocation already delivered is deleted from the queue instead of being sent twice. AWS credentials and region
come from the standard AWS environment.`;

/** Parses the command line; throws a UsageError naming what is wrong. */
export function parseRedriveArgs(argv: string[], env: NodeJS.ProcessEnv): RedriveOptions & {
  tokenSecretArn: string; provider: ProviderConfig; idempotencyTable?: string;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      'queue-url': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string' },
      'include-permanent': { type: 'boolean', default: false },
      'include-uncertain': { type: 'boolean', default: false },
      'token-secret-arn': { type: 'string' },
      'phone-number-id': { type: 'string' },
      channel: { type: 'string' },
      'page-id': { type: 'string' },
      'idempotency-table': { type: 'string' },
      'graph-api-version': { type: 'string' },
      'graph-api-base-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const queueUrl = values['queue-url'];
  if (!queueUrl || !/^https?:\/\/\S+$/.test(queueUrl)) throw new UsageError('--queue-url is required: the ParkingQueueUrl output of the delivery stack');
  const max = values.max === undefined ? Number.MAX_SAFE_INTEGER : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new UsageError('--max must be a whole number of at least 1');
  const tokenSecretArn = values['token-secret-arn'] ?? env.TOKEN_SECRET_ARN ?? '';
  const dryRun = values['dry-run'] ?? false;
  if (!dryRun && !/^arn:[\w-]+:secretsmanager:/.test(tokenSecretArn)) throw new UsageError('--token-secret-arn (or TOKEN_SECRET_ARN) must be the ARN of the token secret');
  const graph = {
    apiVersion: values['graph-api-version'] ?? env.GRAPH_API_VERSION ?? 'v25.0',
    baseUrl: values['graph-api-base-url'] ?? env.GRAPH_API_BASE_URL ?? 'https://graph.facebook.com',
  };
  const channel = values.channel ?? env.CHANNEL ?? 'whatsapp';
  let provider: ProviderConfig;
  if (channel === 'whatsapp') {
    const phoneNumberId = values['phone-number-id'] ?? env.WHATSAPP_PHONE_NUMBER_ID ?? '';
    if (!dryRun && !/^\d+$/.test(phoneNumberId)) throw new UsageError('--phone-number-id (or WHATSAPP_PHONE_NUMBER_ID) must be the numeric phone number id');
    provider = { channel, ...graph, phoneNumberId };
  } else if (channel === 'messenger') {
    const pageId = values['page-id'] ?? env.MESSENGER_PAGE_ID ?? 'me';
    if (!/^(me|\d+)$/.test(pageId)) throw new UsageError('--page-id (or MESSENGER_PAGE_ID) must be "me" or the numeric Page id');
    provider = { channel, ...graph, pageId, psidAttribute: DEFAULT_PSID_ATTRIBUTE };
  } else {
    throw new UsageError('--channel must be whatsapp or messenger (the metrics channel parks nothing)');
  }
  return {
    queueUrl, dryRun, max, includePermanent: values['include-permanent'] ?? false, includeUncertain: values['include-uncertain'] ?? false,
    tokenSecretArn, provider, idempotencyTable: values['idempotency-table'] ?? env.IDEMPOTENCY_TABLE_NAME,
  };
}

export class UsageError extends Error {}

/** Logs the core's per-endpoint lines quietly: the command prints its own progress and summary. */
const quietLogger: DeliveryLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message) => console.error(message) };

async function main(): Promise<number> {
  let options;
  try {
    options = parseRedriveArgs(process.argv.slice(2), process.env);
  } catch (error) {
    const message = (error as Error).message;
    console.error(message ? `${message}\n\n${USAGE}` : USAGE);
    return message ? 2 : 0;
  }
  if (!options.idempotencyTable && !options.dryRun) {
    console.error('note: no --idempotency-table, so an endpoint a later invocation already delivered would be sent again');
  }
  const summary = await runRedrive(options, {
    sqs: new SQSClient({}),
    provider: createProvider(options.provider),
    tokens: new SecretsManagerTokenSource(options.tokenSecretArn, 300),
    print: (line) => console.log(line),
    logger: quietLogger,
    guard: options.idempotencyTable ? new PowertoolsDeliveryGuard(options.idempotencyTable, DEFAULT_IDEMPOTENCY_TTL_SECONDS) : undefined,
  });
  return summary.failed > 0 || summary.unreadable > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (error: Error) => {
    // Expected AWS failures (no credentials, no access, no such queue) get one line, not a stack trace.
    console.error(`redrive failed: ${error.name}: ${error.message}`);
    process.exitCode = 1;
  });
}
