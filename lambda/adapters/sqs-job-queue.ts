/**
 * The job queue and its dead-letter queue on SQS. Batches of 10 (SQS's limit); an entry SQS refuses
 * for a reason of its own gets one more try; what is still refused is left out of the answer, so
 * the caller keeps it.
 */
import { setMaxListeners } from 'node:events';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, JobQueue, QueuedJob } from '../domain';

const SQS_BATCH_SIZE = 10;

export class SqsJobQueue implements JobQueue {
  /** Without `deadLetterQueueUrl` (queued mode's function, which sends nothing itself) it dead-letters nothing. */
  constructor(private readonly client: SQSClient, private readonly jobQueueUrl: string, private readonly deadLetterQueueUrl?: string) {}

  enqueue(jobs: readonly QueuedJob[], signal: AbortSignal): Promise<ReadonlySet<string>> {
    return this.sendAll(this.jobQueueUrl, jobs.map((job) => ({ id: job.id, entry: { MessageBody: job.body, DelaySeconds: job.delaySeconds } })), signal);
  }

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.jobQueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: delaySeconds }));
  }

  deadLetter(letters: readonly DeadLetter[], signal: AbortSignal): Promise<ReadonlySet<string>> {
    if (!this.deadLetterQueueUrl) return Promise.reject(new Error('no dead-letter queue is configured'));
    return this.sendAll(this.deadLetterQueueUrl, letters.map((letter) => ({
      id: letter.id,
      entry: {
        MessageBody: letter.body,
        // Attributes let the redrive count and choose without parsing every body.
        MessageAttributes: {
          errorCode: { DataType: 'String', StringValue: letter.errorCode },
          permanent: { DataType: 'String', StringValue: String(letter.permanent) },
          uncertain: { DataType: 'String', StringValue: String(letter.uncertain) },
        },
      },
    })), signal);
  }

  private async sendAll(
    queueUrl: string, items: readonly { id: string; entry: Omit<SendMessageBatchRequestEntry, 'Id'> }[], signal: AbortSignal,
  ): Promise<ReadonlySet<string>> {
    const taken = new Set<string>();
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += SQS_BATCH_SIZE) chunks.push(items.slice(i, i + SQS_BATCH_SIZE));
    // Every call (and SDK retry) listens to the one signal: that is fan-out, not a leak.
    setMaxListeners(Math.max(10, chunks.length * 8), signal);
    await Promise.all(chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt += 1) {
        let response;
        try {
          response = await this.client.send(new SendMessageBatchCommand({
            QueueUrl: queueUrl, Entries: pending.map((item, index) => ({ ...item.entry, Id: `e${index}` })),
          }), { abortSignal: signal });
        } catch {
          return;
        }
        for (const entry of response.Successful ?? []) taken.add(pending[Number(entry.Id?.slice(1))].id);
        pending = (response.Failed ?? []).filter((entry) => !entry.SenderFault).map((entry) => pending[Number(entry.Id?.slice(1))]);
      }
    }));
    return taken;
  }
}
