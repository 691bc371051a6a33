/** Pinpoint CUSTOM endpoints for WhatsApp numbers, as add-endpoint and import-endpoints write them. */
import { createHash } from 'node:crypto';
import { type EndpointBatchItem, UpdateEndpointsBatchCommand } from '@aws-sdk/client-pinpoint';
import { FORBIDDEN_KEYS } from '../../lambda/contract';
import { maskEndpointId } from '../../lambda/domain';
import { normalisePhoneNumber } from '../../lambda/providers/whatsapp';
import type { OpsClients, OpsIo } from './io';
import { UsageError } from './usage';

/** `Key=Value` flags as Pinpoint attributes (lists of strings). */
export function attributes(pairs: unknown, flag: string): Record<string, string[]> | undefined {
  const list = (pairs as string[] | undefined) ?? [];
  if (list.length === 0) return undefined;
  const result = new Map<string, string[]>();
  for (const pair of list) {
    const match = /^([^=\s]{1,50})=(.+)$/.exec(pair);
    if (!match) throw new UsageError(`${flag} takes Key=Value, got "${pair}"`);
    if (FORBIDDEN_KEYS.has(match[1])) throw new UsageError(`${flag} ${match[1]} is a reserved name; choose another attribute name`);
    result.set(match[1], [...(result.get(match[1]) ?? []), match[2]]);
  }
  return Object.fromEntries(result);
}

/**
 * The id of a number's endpoint: the same number always gets the same id, so adding it again
 * updates it, but the id does not show the number in the logs, the responses and the events that
 * carry it. It is a hash, so someone holding an id and trying every number could still find it.
 */
export function endpointIdFor(digits: string): string {
  return `custom-${createHash('sha256').update(`pinpoint-custom-channel:${digits}`).digest('hex').slice(0, 20)}`;
}

/** An endpoint id to print: one given by hand may still hold a number. */
export const printableEndpointId = maskEndpointId;

/** A CUSTOM endpoint for WhatsApp: its id, unless given, is the number's hash, so re-adding updates it. */
export function endpointItem(address: string, options: { endpointId?: string; userId?: string; attributes?: Record<string, string[]>; userAttributes?: Record<string, string[]> }): EndpointBatchItem | string {
  const digits = normalisePhoneNumber(address);
  if (!digits) return `"${address}" is not a phone number (E.164, such as +15551234567)`;
  if (options.endpointId !== undefined && !/^[\w.:-]{1,100}$/.test(options.endpointId)) return `"${options.endpointId}" is not a valid endpoint id`;
  return {
    Id: options.endpointId ?? endpointIdFor(digits),
    ChannelType: 'CUSTOM',
    Address: `+${digits}`,
    OptOut: 'NONE',
    Attributes: options.attributes,
    User: options.userId || options.userAttributes ? { UserId: options.userId, UserAttributes: options.userAttributes } : undefined,
  };
}

/** UpdateEndpointsBatch takes at most 100 endpoints. */
const ENDPOINT_BATCH = 100;

export async function updateEndpoints(items: EndpointBatchItem[], applicationId: string, dryRun: boolean, io: OpsIo, aws: () => OpsClients): Promise<void> {
  for (let i = 0; i < items.length; i += ENDPOINT_BATCH) {
    const request = { ApplicationId: applicationId, EndpointBatchRequest: { Item: items.slice(i, i + ENDPOINT_BATCH) } };
    if (dryRun) {
      io.out(`UpdateEndpointsBatch ${JSON.stringify(request)}`);
      continue;
    }
    await aws().pinpoint.send(new UpdateEndpointsBatchCommand(request));
    if (items.length > ENDPOINT_BATCH) io.out(`updated ${Math.min(i + ENDPOINT_BATCH, items.length)} of ${items.length} endpoints`);
  }
}

