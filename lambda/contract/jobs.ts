/**
 * The delivery job: one message per endpoint delivery on the job queue. It is a public interface:
 * any producer (the Pinpoint trigger, a script, a Step Functions map, EventBridge Pipes) may send
 * it, and the worker validates every one. Versioned: a change that old workers could misread gets
 * a new version.
 */
import { FORBIDDEN_KEYS, isObject, type JsonObject, messageShapeProblem } from './messages';
import { CHANNELS, type DeliveryChannel } from './names';

export const DELIVERY_JOB_VERSION = 1;

/** A rendered message may grow past Data's 5 KB; this bounds it well inside an SQS message. */
export const MAX_JOB_MESSAGE_BYTES = 64 * 1024;

export interface DeliveryJobMessage {
  readonly version: typeof DELIVERY_JOB_VERSION;
  /** The provider to send through; a worker of another channel refuses the job. */
  readonly channel: DeliveryChannel;
  /** The campaign the delivery belongs to, for reporting; every id is optional. */
  readonly campaign: {
    readonly applicationId?: string;
    readonly campaignId?: string;
    readonly treatmentId?: string;
    readonly activityId?: string;
    readonly journeyId?: string;
  };
  readonly endpointId: string;
  /** The provider's address: E.164 digits for WhatsApp, the PSID for Messenger. */
  readonly recipient: string;
  /** The rendered message, in the channel's form, without the recipient. */
  readonly message: JsonObject;
  /** The same key means the same delivery: it is sent at most once, however often the job arrives. */
  readonly idempotencyKey: string;
  /** When the producer enqueued it (ISO 8601). */
  readonly enqueuedAt: string;
  /** After this time (ISO 8601) the job is dropped as expired instead of sent. */
  readonly expiresAt?: string;
  /** Set by the function on a job it re-queues: how many requests were made, and the last error. */
  readonly attempts?: number;
  readonly lastError?: { readonly code: string; readonly reason: string };
  /** Pinpoint's channel type of the endpoint, when it came from Pinpoint. */
  readonly channelType?: string;
}

export type JobParseResult = { readonly ok: true; readonly job: DeliveryJobMessage } | { readonly ok: false; readonly problem: string };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const CAMPAIGN_FIELDS = ['applicationId', 'campaignId', 'treatmentId', 'activityId', 'journeyId'] as const;

/** The job in `body`, or why it is not one, in one phrase that names the field. */
export function parseDeliveryJob(body: string): JobParseResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the job is not JSON' };
  }
  if (!isObject(value)) return { ok: false, problem: 'the job is not a JSON object' };
  const fail = (problem: string): JobParseResult => ({ ok: false, problem });
  if (value.version !== DELIVERY_JOB_VERSION) return fail(`version is ${JSON.stringify(value.version)}; this worker reads version ${DELIVERY_JOB_VERSION}`);
  const delivering = CHANNELS.filter((c) => c !== 'metrics') as readonly string[];
  if (typeof value.channel !== 'string' || !delivering.includes(value.channel)) return fail(`channel must be one of ${delivering.join(', ')}`);
  if (!isObject(value.campaign)) return fail('campaign must be an object of ids');
  for (const [key, id] of Object.entries(value.campaign)) {
    if (!(CAMPAIGN_FIELDS as readonly string[]).includes(key)) return fail(`campaign.${key} is not a campaign id field`);
    if (typeof id !== 'string' || id.length > 256) return fail(`campaign.${key} must be a string of at most 256 characters`);
  }
  const text = (key: string, max: number) => typeof value[key] === 'string' && (value[key] as string).length > 0 && (value[key] as string).length <= max;
  if (!text('endpointId', 256) || FORBIDDEN_KEYS.has(value.endpointId as string)) return fail('endpointId must be a string of 1 to 256 characters, not a reserved word');
  if (!text('recipient', 64)) return fail('recipient must be a string of 1 to 64 characters');
  if (!text('idempotencyKey', 512)) return fail('idempotencyKey must be a string of 1 to 512 characters');
  if (typeof value.enqueuedAt !== 'string' || !ISO_TIME.test(value.enqueuedAt)) return fail('enqueuedAt must be an ISO 8601 time with a zone');
  if (value.expiresAt !== undefined && (typeof value.expiresAt !== 'string' || !ISO_TIME.test(value.expiresAt))) return fail('expiresAt must be an ISO 8601 time with a zone');
  if (!isObject(value.message)) return fail('message must be a JSON object');
  const shape = messageShapeProblem(value.message, 'message');
  if (shape) return fail(shape);
  const bytes = new TextEncoder().encode(JSON.stringify(value.message)).length;
  if (bytes > MAX_JOB_MESSAGE_BYTES) return fail(`message is ${bytes} bytes, over the ${MAX_JOB_MESSAGE_BYTES}-byte limit of a job`);
  if (value.attempts !== undefined && (!Number.isInteger(value.attempts) || (value.attempts as number) < 0)) return fail('attempts must be a whole number');
  return { ok: true, job: value as unknown as DeliveryJobMessage };
}

/** Whether the job has expired at `now`. */
export function isExpired(job: DeliveryJobMessage, now: number): boolean {
  return job.expiresAt !== undefined && Date.parse(job.expiresAt) <= now;
}
