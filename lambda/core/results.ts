/** Constructors for an endpoint's result, so that every path fills the same fields the same way. */
import type { DeliveryJob, EndpointResult } from '../domain';

export function deliveryOf(job: DeliveryJob): EndpointResult['delivery'] {
  return { recipient: job.recipient, maskedRecipient: job.maskedRecipient, message: job.message };
}

export function failed(
  endpointId: string, channelType: string | undefined, errorCode: string, reason: string, retryable: boolean, attempts = 0, job?: DeliveryJob,
): EndpointResult {
  return { endpointId, status: 'failed', channelType, errorCode, reason, attempts, retryable, delivery: job && deliveryOf(job) };
}

export function skipped(endpointId: string, channelType: string | undefined, reason: string): EndpointResult {
  return { endpointId, status: 'skipped', channelType, reason, attempts: 0 };
}

export function isResult(item: DeliveryJob | EndpointResult): item is EndpointResult {
  return 'status' in item;
}
