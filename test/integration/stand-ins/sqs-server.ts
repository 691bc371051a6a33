/**
 * A stand-in for one SQS queue on 127.0.0.1, speaking the AWS JSON 1.0 protocol the SDK uses
 * (SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility, GetQueueAttributes, the
 * move task), with receive counts, delays and visibility timeouts like the real queue; each queue is
 * named by its URL's last segment. Reached through
 * AWS_ENDPOINT_URL_SQS from code that runs outside jest's module mocks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsJsonError, AwsJsonServer } from './aws-json-server';

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Record<string, { DataType: string; StringValue?: string }>;
  receiptHandle?: string;
  invisibleUntil: number;
  receiveCount: number;
  /** The queue's name, the URL's last segment. */
  queue: string;
}

export class SqsServer {
  readonly messages: StoredMessage[] = [];
  /** Every ChangeMessageVisibility call, in order: the receipt handle and the seconds asked for. */
  readonly visibilityChanges: { receiptHandle: string; seconds: number }[] = [];
  readonly moveTasks: { TaskHandle: string; Status: string; SourceArn: string; DestinationArn: string; ApproximateNumberOfMessagesMoved: number }[] = [];
  /** Operations received, in order. */
  readonly operations: string[] = [];
  /** Makes the next SendMessageBatch calls refuse the entries whose index is listed, once each call. */
  refuseNextBatches: { index: number; senderFault: boolean }[][] = [];
  private http!: AwsJsonServer;

  static async start(): Promise<SqsServer> {
    const server = new SqsServer();
    server.http = await AwsJsonServer.start({
      contentType: 'application/x-amz-json-1.0',
      handle: (operation, input) => {
        server.operations.push(operation);
        return server.handle(operation, input);
      },
    });
    return server;
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  /** The URL of another queue on the same stand-in (each queue keeps its own messages). */
  urlOf(name: string): string {
    return `${this.endpoint}/111122223333/${name}`;
  }

  /** The messages of one queue. */
  messagesOf(name: string): StoredMessage[] {
    return this.messages.filter((m) => m.queue === name);
  }

  bodies<T = Record<string, unknown>>(name: string): T[] {
    return this.messagesOf(name).map((m) => JSON.parse(m.body));
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private handle(operation: string, input: any): unknown {
    const now = Date.now();
    switch (operation) {
      case 'SendMessage': {
        const message: StoredMessage = {
          messageId: randomUUID(), body: input.MessageBody, attributes: input.MessageAttributes ?? {}, invisibleUntil: now + 1000 * (input.DelaySeconds ?? 0),
          receiveCount: 0, queue: queueName(input.QueueUrl),
        };
        this.messages.push(message);
        return { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex') };
      }
      case 'SendMessageBatch': {
        const refuse = this.refuseNextBatches.shift() ?? [];
        const successful: unknown[] = [];
        const failed: unknown[] = [];
        input.Entries.forEach((entry: any, index: number) => {
          const refusal = refuse.find((r) => r.index === index);
          if (refusal) {
            failed.push({ Id: entry.Id, Code: refusal.senderFault ? 'InvalidParameterValue' : 'InternalError', SenderFault: refusal.senderFault });
            return;
          }
          const message: StoredMessage = {
            messageId: randomUUID(), body: entry.MessageBody, attributes: entry.MessageAttributes ?? {}, invisibleUntil: now + 1000 * (entry.DelaySeconds ?? 0),
            receiveCount: 0, queue: queueName(input.QueueUrl),
          };
          this.messages.push(message);
          successful.push({ Id: entry.Id, MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex') });
        });
        return { Successful: successful, Failed: failed };
      }
      case 'ReceiveMessage': {
        const visible = this.messagesOf(queueName(input.QueueUrl)).filter((m) => m.invisibleUntil <= now).slice(0, input.MaxNumberOfMessages ?? 1);
        for (const message of visible) {
          message.receiptHandle = randomUUID();
          message.invisibleUntil = now + 1000 * (input.VisibilityTimeout ?? 30);
          message.receiveCount += 1;
        }
        return {
          Messages: visible.map((m) => ({
            MessageId: m.messageId, ReceiptHandle: m.receiptHandle, Body: m.body,
            MD5OfBody: createHash('md5').update(m.body).digest('hex'), MessageAttributes: m.attributes,
            Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
          })),
        };
      }
      case 'DeleteMessage': {
        const index = this.messages.findIndex((m) => m.receiptHandle === input.ReceiptHandle);
        if (index < 0) throw new AwsJsonError('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        this.messages.splice(index, 1);
        return {};
      }
      case 'DeleteMessageBatch': {
        const successful: unknown[] = [];
        const failed: unknown[] = [];
        for (const entry of input.Entries as { Id: string; ReceiptHandle: string }[]) {
          const index = this.messages.findIndex((m) => m.receiptHandle === entry.ReceiptHandle);
          if (index < 0) {
            failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true });
          } else {
            this.messages.splice(index, 1);
            successful.push({ Id: entry.Id });
          }
        }
        return { Successful: successful, Failed: failed };
      }
      case 'ChangeMessageVisibility': {
        this.visibilityChanges.push({ receiptHandle: input.ReceiptHandle, seconds: input.VisibilityTimeout });
        const message = this.messages.find((m) => m.receiptHandle === input.ReceiptHandle);
        if (!message) throw new AwsJsonError('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
        message.invisibleUntil = now + 1000 * input.VisibilityTimeout;
        return {};
      }
      case 'GetQueueAttributes': {
        const name = queueName(input.QueueUrl);
        return { Attributes: {
          ApproximateNumberOfMessages: String(this.messagesOf(name).filter((m) => m.invisibleUntil <= now).length),
          QueueArn: `arn:aws:sqs:eu-west-1:111122223333:${name}`,
        } };
      }
      case 'StartMessageMoveTask': {
        // As SQS does: every message visible now moves; the task finishes before it is listed.
        const source = String(input.SourceArn).split(':').pop() ?? '';
        const destination = String(input.DestinationArn).split(':').pop();
        const moving = this.messagesOf(source).filter((m) => m.invisibleUntil <= now);
        for (const message of moving) Object.assign(message, { queue: destination, receiveCount: 0, receiptHandle: undefined });
        this.moveTasks.push({ TaskHandle: `task-${this.moveTasks.length + 1}`, Status: 'COMPLETED', SourceArn: input.SourceArn,
          DestinationArn: input.DestinationArn, ApproximateNumberOfMessagesMoved: moving.length });
        return { TaskHandle: this.moveTasks.at(-1)!.TaskHandle };
      }
      case 'ListMessageMoveTasks':
        return { Results: this.moveTasks.filter((t) => t.SourceArn === input.SourceArn).reverse() };
      default:
        throw new Error(`unsupported operation ${operation}`);
    }
  }
}

function queueName(queueUrl: string | undefined): string {
  const name = (queueUrl ?? '').split('/').pop();
  if (!name) throw new AwsJsonError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
  return name;
}
