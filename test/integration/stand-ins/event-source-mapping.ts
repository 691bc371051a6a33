/**
 * A stand-in for Lambda's SQS event source mapping, over the SQS stand-in: each worker slot receives
 * up to a batch of jobs (several receives of at most 10), invokes its handler, and deletes what the
 * partial batch response does not name; a message received more often than the redrive policy allows
 * goes to the dead-letter queue. At most one invocation per slot, as `maximumConcurrency` allows.
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SqsServer } from './sqs-server';

export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface MappingOptions {
  /** The job queue's name on the stand-in. */
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly batchSize: number;
  readonly visibilitySeconds: number;
  /** The queue's redrive policy: past this many receives a message goes to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Stops polling after this long, even if jobs remain. */
  readonly stopAfterMs: number;
  /** The first invocation's container dies after sending, before answering: nothing of it is deleted. */
  readonly crashOnce?: boolean;
}

const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };

function workerContext(): Context {
  const deadline = Date.now() + 30_000;
  return { awsRequestId: 'worker', functionName: 'worker', getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
}

/** Runs the mapping until the job queue is empty (delayed and in-flight jobs included) or the time is up. */
export async function runEventSourceMapping(sqs: SqsServer, handlers: readonly WorkerHandler[], options: MappingOptions): Promise<void> {
  const client = new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
  const queueUrl = sqs.urlOf(options.queue);
  const started = Date.now();
  let crashed = !options.crashOnce;
  const pending = () => sqs.messagesOf(options.queue).length;
  try {
    await Promise.all(handlers.map(async (handler) => {
      while (pending() > 0 && Date.now() - started < options.stopAfterMs) {
        const messages: Message[] = [];
        for (let i = 0; i < Math.ceil(options.batchSize / 10); i += 1) {
          const received: { Messages?: Message[] } = await client.send(new ReceiveMessageCommand({
            QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(10, options.batchSize - messages.length), VisibilityTimeout: options.visibilitySeconds,
          }));
          if (!received.Messages?.length) break;
          messages.push(...received.Messages);
        }
        if (messages.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const live: Message[] = [];
        for (const m of messages) {
          const stored = sqs.messages.find((s) => s.messageId === m.MessageId)!;
          if (stored.receiveCount > options.maxReceiveCount) stored.queue = options.deadLetterQueue;
          else live.push(m);
        }
        const event = { Records: live.map((m) => ({
          messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body!, attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
        })) } as unknown as SQSEvent;
        let failures: Set<string>;
        try {
          const answer = await handler(event, workerContext());
          failures = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
        } catch {
          failures = new Set(live.map((m) => m.MessageId!));
        }
        if (!crashed) {
          crashed = true;
          continue;
        }
        // Lambda deletes a batch's successes itself, ten per call; the calls in parallel, so that this
        // stand-in (which shares the process with the workers) adds as little delay of its own as it can.
        const done = live.filter((m) => !failures.has(m.MessageId!));
        const chunks = Array.from({ length: Math.ceil(done.length / 10) }, (_, i) => done.slice(i * 10, i * 10 + 10));
        await Promise.all(chunks.map((chunk) => client.send(new DeleteMessageBatchCommand({
          QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }))));
      }
    }));
  } finally {
    client.destroy();
  }
}
