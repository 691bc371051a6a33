/**
 * The redrive: sends parked deliveries again through the same core and provider code as the
 * function, and deletes each message only once its endpoint was delivered. Permanent failures stay
 * in the queue unless asked, and so do uncertain ones (the provider never answered, so it may have
 * delivered them). Messages left in the queue are made visible again at the end.
 */
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient,
} from '@aws-sdk/client-sqs';
import { isObject } from '../../lambda/contract';
import { DEFAULT_SETTINGS, deliveryKey, type DeliverySettings, sendJobs, systemClock } from '../../lambda/core';
import {
  type ChannelProvider, type DeliveryGuard, type DeliveryJob, type DeliveryLogger, maskEndpointId, maskRecipient, PARKED_DELIVERY_VERSION, type ParkedDelivery, type TokenSource,
} from '../../lambda/domain';

interface PendingResend { readonly job: DeliveryJob; readonly message: Message }

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
/** A dry run only reads: it hides what it read for a short while, and gives it back at the end. */
const DRY_RUN_VISIBILITY_TIMEOUT_SECONDS = 30;
const PROGRESS_EVERY = 50;

export async function runRedrive(options: RedriveOptions, deps: RedriveDeps): Promise<RedriveSummary> {
  const counts = { received: 0, delivered: 0, alreadyDelivered: 0, failed: 0, permanentLeft: 0, uncertainLeft: 0, unreadable: 0, dryRun: 0 };
  const seen = new Set<string>();
  let lastProgress = 0;
  let receivesWithNothingNew = 0;

  // Every message received and not deleted is given back at the end, whatever happens in between.
  const held = new Map<string, Message>();
  try {
    await receiveAndResend();
  } finally {
    // Let other consumers (or the next run) see what this run left, without waiting out the timeout.
    for (const message of held.values()) {
      await deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }))
        .catch(() => undefined);
    }
  }

  deps.print(`redrive ${options.dryRun ? '(dry run) ' : ''}done: ${counts.received} received, ${counts.delivered} delivered and deleted, `
    + `${counts.alreadyDelivered ? `(${counts.alreadyDelivered} of them already delivered earlier, not resent), ` : ''}`
    + `${counts.failed} failed again, ${counts.permanentLeft} permanent left, ${counts.uncertainLeft} uncertain left, ${counts.unreadable} unreadable`
    + `${options.dryRun ? `, ${counts.dryRun} would be resent` : ''}`);
  return counts;

  async function receiveAndResend(): Promise<void> {
    while (counts.received < options.max) {
      const { Messages: messages = [] } = await deps.sqs.send(new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - counts.received),
        VisibilityTimeout: options.dryRun ? DRY_RUN_VISIBILITY_TIMEOUT_SECONDS : VISIBILITY_TIMEOUT_SECONDS,
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
      for (const message of fresh) {
        seen.add(message.MessageId!);
        held.set(message.MessageId!, message);
      }
      counts.received += fresh.length;

      const jobs: PendingResend[] = [];
      for (const message of fresh) {
        const parked = parseParked(message.Body);
        if (!parked || parked.channel !== deps.provider.channel) {
          counts.unreadable += 1;
          deps.print(parked
            ? `message ${message.MessageId} is for the ${parked.channel} channel, not ${deps.provider.channel}; left in the queue`
            : `unreadable message ${message.MessageId} left in the queue`);
        } else if (parked.permanent && !options.includePermanent) {
          counts.permanentLeft += 1;
        } else if (parked.uncertain && !options.includeUncertain) {
          counts.uncertainLeft += 1;
        } else if (options.dryRun) {
          counts.dryRun += 1;
          deps.print(`would resend ${maskEndpointId(parked.endpointId)} (${maskRecipient(parked.recipient)}), last error ${parked.lastError.code}`);
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
        const send = (batch: PendingResend[]) => sendJobs(batch.map((j) => j.job), {
          guard: deps.guard, provider: deps.provider, tokens: deps.tokens, clock: systemClock, deadline, logger: deps.logger,
          settings: deps.settings ?? DEFAULT_SETTINGS,
        });
        const first = await send(jobs);
        // A certain message whose endpoint a later attempt left uncertain is uncertain now: it waits for
        // --include-uncertain, and is then resent under the resend key, as uncertain messages are.
        const nowUncertain = jobs.filter((_, index) => first.results[index].reason === 'uncertain_earlier');
        const resend = options.includeUncertain ? nowUncertain.map((j) => ({ ...j, job: { ...j.job, key: resendKey(j.job.key) } })) : [];
        const second = resend.length > 0 ? await send(resend) : { results: [], counters: { alreadyDelivered: 0 } };
        const outcomes = [
          ...jobs.map((j, index) => ({ ...j, result: first.results[index] })).filter((o) => o.result.reason !== 'uncertain_earlier' || !options.includeUncertain),
          ...resend.map((j, index) => ({ ...j, result: second.results[index] })),
        ];
        for (const { message, result } of outcomes) {
          if (result.status === 'delivered') {
            // Deleted only now that the provider accepted it: a crash before this line resends, never loses.
            await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
            held.delete(message.MessageId!);
            counts.delivered += 1;
            continue;
          }
          if (result.reason === 'uncertain_earlier') counts.uncertainLeft += 1;
          else counts.failed += 1;
          deps.print(result.status === 'skipped'
            ? `not sent (${result.reason}): ${maskEndpointId(result.endpointId)}; left in the queue`
            : `failed again: ${maskEndpointId(result.endpointId)} (${result.errorCode}: ${result.reason}); left in the queue`);
        }
        counts.alreadyDelivered += first.counters.alreadyDelivered + second.counters.alreadyDelivered;
      }

      if (counts.received - lastProgress >= PROGRESS_EVERY) {
        lastProgress = counts.received;
        deps.print(`progress: ${counts.received} received, ${counts.delivered} delivered, ${counts.failed} failed`);
      }
    }

  }
}

/**
 * The guard's key for a resend. An uncertain delivery's own key records that it may have arrived,
 * and that record keeps repeated Pinpoint batches from sending it; the operator's explicit resend
 * (--include-uncertain) has a key of its own, so it sends once, and a second redrive does not.
 */
function redriveKey(parked: ParkedDelivery): string | undefined {
  const key = deliveryKey(parked.ids, parked.endpointId);
  return parked.uncertain ? resendKey(key) : key;
}

function resendKey(key: string | undefined): string | undefined {
  return key && !key.endsWith('#resend') ? `${key}#resend` : key;
}

/**
 * A parked delivery, or undefined for anything this version does not understand (reported and left
 * in the queue, never a crash). An absent lastError is read as unknown.
 */
function parseParked(body: string | undefined): ParkedDelivery | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.version !== PARKED_DELIVERY_VERSION || typeof parsed.channel !== 'string') return undefined;
  if (typeof parsed.endpointId !== 'string' || typeof parsed.recipient !== 'string' || !isObject(parsed.message)) return undefined;
  if (parsed.ids !== undefined && !isObject(parsed.ids)) return undefined;
  const lastError = isObject(parsed.lastError) && typeof parsed.lastError.code === 'string' ? parsed.lastError : { code: 'unknown', reason: '' };
  return { ...parsed, ids: parsed.ids ?? {}, permanent: parsed.permanent === true, uncertain: parsed.uncertain === true, lastError } as unknown as ParkedDelivery;
}
