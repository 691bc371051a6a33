/**
 * Redrive of the job queue's dead-letter queue with SQS's own move task (StartMessageMoveTask).
 * The move task moves every message it can see, so the jobs that must stay (uncertain ones, which
 * the provider may have delivered, and permanent ones, unless asked) are held out of its sight
 * first: received with a long visibility timeout, and given back once the task has finished.
 */
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueAttributesCommand, ListMessageMoveTasksCommand, type Message,
  ReceiveMessageCommand, SendMessageCommand, type SQSClient, StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { fromParkedDelivery } from '../../lambda/triggers/sqs/legacy';

export interface MoveTaskOptions {
  readonly deadLetterQueueUrl: string;
  /** Where the jobs go back to. */
  readonly jobQueueUrl: string;
  readonly dryRun: boolean;
  readonly includePermanent: boolean;
  readonly includeUncertain: boolean;
}

export interface MoveTaskSummary {
  /** Messages seen, by errorCode. */
  readonly byErrorCode: Readonly<Record<string, number>>;
  readonly heldBack: number;
  /** What the move task reports it moved; undefined for a dry run. */
  readonly moved?: number;
}

/** Long enough for a move task of a large queue; held messages are given back as soon as it ends. */
const HOLD_SECONDS = 900;
const POLL_MS = 1000;

export async function redriveDeadLetters(options: MoveTaskOptions, sqs: SQSClient, print: (line: string) => void): Promise<MoveTaskSummary> {
  const seen = await receiveAll(sqs, options.deadLetterQueueUrl, options.dryRun ? 30 : HOLD_SECONDS);
  const byErrorCode: Record<string, number> = {};
  const held: Message[] = [];
  const release: Message[] = [];
  /** Uncertain jobs the operator asked for: resent under a key of their own, or the duplicate check would stop them. */
  const resend: Message[] = [];
  for (const message of seen) {
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
    const code = attribute('errorCode') ?? 'unknown';
    byErrorCode[code] = (byErrorCode[code] ?? 0) + 1;
    const uncertain = attribute('uncertain') === 'true';
    const keep = (uncertain && !options.includeUncertain) || (attribute('permanent') === 'true' && !options.includePermanent);
    if (options.dryRun) release.push(message);
    else if (keep) held.push(message);
    else if (uncertain) resend.push(message);
    else release.push(message);
  }
  // Everything that may move is visible again before the task starts.
  await giveBack(sqs, options.deadLetterQueueUrl, release);
  const counts = Object.entries(byErrorCode).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  print(`dead-letter queue: ${seen.length} job(s): ${counts.map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}`);
  if (options.dryRun) return { byErrorCode, heldBack: 0 };
  try {
    const resent = await resendUnderNewKeys(sqs, options, resend, held);
    if (seen.length === held.length + resent) {
      print(`nothing to move: ${held.length} held back (uncertain or permanent; see --include-uncertain and --include-permanent)`);
      return { byErrorCode, heldBack: held.length, moved: 0 };
    }
    const sourceArn = await queueArn(sqs, options.deadLetterQueueUrl);
    // Named explicitly: SQS only knows the source queue of jobs its redrive policy moved, not of those
    // the worker dead-lettered itself.
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: await queueArn(sqs, options.jobQueueUrl) }));
    const moved = await waitForTask(sqs, sourceArn, TaskHandle);
    print(`moved ${moved} job(s) back to the job queue${resent ? `, resent ${resent} uncertain job(s) under new keys` : ''}; `
      + `${held.length} held back (uncertain or permanent)`);
    return { byErrorCode, heldBack: held.length, moved: moved + resent };
  } finally {
    await giveBack(sqs, options.deadLetterQueueUrl, held);
  }
}

/**
 * Puts each uncertain job back on the job queue under `<key>#resend`, and deletes it from the
 * dead-letter queue only once that worked; one whose body cannot be read is held back instead.
 */
async function resendUnderNewKeys(sqs: SQSClient, options: MoveTaskOptions, messages: readonly Message[], held: Message[]): Promise<number> {
  let resent = 0;
  for (const message of messages) {
    const job = readJob(message.Body);
    if (!job) {
      held.push(message);
      continue;
    }
    const key = String(job.idempotencyKey);
    await sqs.send(new SendMessageCommand({ QueueUrl: options.jobQueueUrl, MessageBody: JSON.stringify({ ...job, idempotencyKey: key.endsWith('#resend') ? key : `${key}#resend` }) }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: options.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }));
    resent += 1;
  }
  return resent;
}

/** The job in `body`; a delivery parked by an earlier version becomes a job first. */
function readJob(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const job: unknown = JSON.parse(fromParkedDelivery(body ?? '') ?? body ?? '');
    return typeof job === 'object' && job !== null && typeof (job as { idempotencyKey?: unknown }).idempotencyKey === 'string' ? job as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`the queue ${queueUrl} has no ARN`);
  return Attributes.QueueArn;
}

async function receiveAll(sqs: SQSClient, queueUrl: string, visibilitySeconds: number): Promise<Message[]> {
  const all: Message[] = [];
  for (let emptyAnswers = 0; emptyAnswers < 2;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: visibilitySeconds, WaitTimeSeconds: 1, MessageAttributeNames: ['All'],
    }));
    if (Messages.length === 0) emptyAnswers += 1;
    all.push(...Messages);
  }
  return all;
}

async function giveBack(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  await Promise.all(messages.map((message) => sqs.send(new ChangeMessageVisibilityCommand({
    QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0,
  })).catch(() => undefined)));
}

async function waitForTask(sqs: SQSClient, sourceArn: string, taskHandle: string | undefined): Promise<number> {
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = Results.find((r) => r.TaskHandle === taskHandle) ?? Results[0];
    if (!task || task.Status === 'COMPLETED') return task?.ApproximateNumberOfMessagesMoved ?? 0;
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED') throw new Error(`the move task ended ${task.Status}: ${task.FailureReason ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
