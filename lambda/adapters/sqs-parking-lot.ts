/**
 * The parking lot on SQS: endpoints whose delivery failed are kept with everything needed to send
 * them again (the rendered message, the recipient, the campaign's ids and the last error), so that
 * nothing is lost and an operator can redrive them. Permanent failures are parked too, flagged, for
 * inspection.
 */
import { setMaxListeners } from 'node:events';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ParkedDelivery, ParkingLot, ParkingReport } from '../domain';

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH_SIZE = 10;

export class SqsParkingLot implements ParkingLot {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async park(items: readonly ParkedDelivery[], signal: AbortSignal): Promise<ParkingReport> {
    const parked = new Set<string>();
    const notParked = new Map<string, string>();
    const chunks: ParkedDelivery[][] = [];
    for (let i = 0; i < items.length; i += SQS_BATCH_SIZE) chunks.push(items.slice(i, i + SQS_BATCH_SIZE));
    // Every call (and SDK retry) below listens to the one signal; past Node's default of 10 listeners
    // it would print a leak warning for what is only fan-out.
    setMaxListeners(Math.max(10, chunks.length * 8), signal);
    await Promise.all(chunks.map(async (chunk) => {
      // Entries the queue refused for a reason of its own (not ours) get one more try.
      let pending = chunk;
      for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt += 1) {
        const refused = await this.sendBatch(pending, parked, notParked, signal);
        pending = refused;
      }
    }));
    return { parked, notParked };
  }

  /** Sends one batch; returns the entries worth another try. */
  private async sendBatch(
    chunk: readonly ParkedDelivery[], parked: Set<string>, notParked: Map<string, string>, signal: AbortSignal,
  ): Promise<ParkedDelivery[]> {
    let response;
    try {
      response = await this.client.send(new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: chunk.map((item, index) => ({
          Id: `e${index}`,
          MessageBody: JSON.stringify(item),
          MessageAttributes: {
            permanent: { DataType: 'String', StringValue: String(item.permanent) },
            uncertain: { DataType: 'String', StringValue: String(item.uncertain) },
            errorCode: { DataType: 'String', StringValue: item.lastError.code },
          },
        })),
      }), { abortSignal: signal });
    } catch (error) {
      const reason = `parking queue unreachable: ${(error as Error).name}`;
      for (const item of chunk) notParked.set(item.endpointId, reason);
      return [];
    }
    const retry: ParkedDelivery[] = [];
    for (const entry of response.Successful ?? []) {
      const item = chunk[Number(entry.Id?.slice(1))];
      if (item) {
        parked.add(item.endpointId);
        notParked.delete(item.endpointId);
      }
    }
    for (const entry of response.Failed ?? []) {
      const item = chunk[Number(entry.Id?.slice(1))];
      if (!item) continue;
      notParked.set(item.endpointId, `parking queue refused the message: ${entry.Code ?? 'unknown'}`);
      if (!entry.SenderFault) retry.push(item);
    }
    return retry;
  }
}
