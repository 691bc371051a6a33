/**
 * Jobs as the worker reads them, including one older format: the parking queue of earlier versions
 * became the job queue's dead-letter queue, so a redrive may move deliveries parked before the update
 * to the job queue. Those are turned into jobs of the current version, with the same idempotency key
 * the function used then, so that the duplicate check still knows them.
 */
import { DELIVERY_JOB_VERSION, isObject, type JobParseResult, parseDeliveryJob } from '../../contract';
import { deliveryKey } from '../../core';
import type { CampaignIds } from '../../domain';

/** The job in `body`, in the current format or the parking queue's; or why it is neither. */
export function readJob(body: string): JobParseResult {
  const parsed = parseDeliveryJob(body);
  if (parsed.ok) return parsed;
  const converted = fromParkedDelivery(body);
  return converted ? parseDeliveryJob(converted) : parsed;
}

/**
 * A parked delivery (version 1 of the parking queue: `ids`, `recipient`, `message`, `parkedAt`, ...)
 * as a job's JSON, or undefined when the body is not one.
 */
export function fromParkedDelivery(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== 1 || typeof value.parkedAt !== 'string' || !isObject(value.ids) || typeof value.endpointId !== 'string') return undefined;
  const ids = value.ids as CampaignIds;
  const lastError = isObject(value.lastError) ? value.lastError : undefined;
  return JSON.stringify({
    version: DELIVERY_JOB_VERSION,
    channel: value.channel,
    campaign: ids,
    endpointId: value.endpointId,
    recipient: value.recipient,
    message: value.message,
    idempotencyKey: deliveryKey(ids, value.endpointId) ?? `parked/${value.endpointId}/${value.parkedAt}`,
    enqueuedAt: value.parkedAt,
    ...(typeof value.attempts === 'number' ? { attempts: value.attempts } : {}),
    ...(lastError ? { lastError } : {}),
    ...(typeof value.channelType === 'string' ? { channelType: value.channelType } : {}),
  });
}
