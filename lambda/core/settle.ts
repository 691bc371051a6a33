/**
 * After the sends: failed deliveries go to the parking lot, and every outcome to the reporter. Each
 * step is bounded by the settings' settle timeout and never throws; what it could not do is counted.
 */
import { type CampaignIds, type EndpointResult, maskEndpointId, PARKED_DELIVERY_VERSION, type ParkedDelivery, type ParkingReport } from '../domain';
import { type DeliveryDeps, type DeliverySettings, settingsOf } from './deps';

/**
 * Parks every failed send (transient ones for a retry, permanent ones flagged for inspection), and
 * marks the transient ones the queue took as `parked`. A queue that cannot take them is logged and
 * counted; those endpoints stay `failed` and `retryable`, never silently dropped.
 */
export async function park(results: EndpointResult[], ids: CampaignIds, deps: DeliveryDeps): Promise<{ results: EndpointResult[]; parkingFailed: number }> {
  const toPark = results.filter((r) => r.status === 'failed' && r.delivery);
  if (!deps.parking || toPark.length === 0) return { results, parkingFailed: 0 };
  const parkedAt = new Date(deps.clock.now()).toISOString();
  const items: ParkedDelivery[] = toPark.map((r) => ({
    version: PARKED_DELIVERY_VERSION,
    channel: deps.provider.channel,
    ids,
    endpointId: r.endpointId,
    channelType: r.channelType,
    recipient: r.delivery!.recipient,
    message: r.delivery!.message,
    permanent: !r.retryable,
    uncertain: r.mayHaveBeenSent ?? false,
    lastError: { code: r.errorCode ?? 'unknown', reason: r.reason ?? '' },
    attempts: r.attempts,
    parkedAt,
  }));
  let report: ParkingReport;
  try {
    report = await deps.parking.park(items, settleSignal(settingsOf(deps)));
  } catch (error) {
    const reason = `parking queue unreachable: ${(error as Error).name}`;
    report = { parked: new Set(), notParked: new Map(items.map((item) => [item.endpointId, reason])) };
  }
  const notParked = toPark.filter((r) => !report.parked.has(r.endpointId));
  const whyNot = (endpointId: string) => report.notParked.get(endpointId) ?? 'no answer from the parking queue';
  if (notParked.length > 0) {
    deps.logger.error('Could not park failed deliveries; they are reported failed and retryable, and need a manual resend', {
      endpoints: notParked.map((r) => maskEndpointId(r.endpointId)),
      reasons: [...new Set(notParked.map((r) => whyNot(r.endpointId)))],
    });
  }
  const settled = results.map((r) => {
    if (r.status !== 'failed' || !r.delivery || !r.retryable) return r;
    if (report.parked.has(r.endpointId)) return { ...r, status: 'parked' as const };
    return { ...r, reason: `${r.reason ?? ''} (not parked: ${whyNot(r.endpointId)})` };
  });
  return { results: settled, parkingFailed: notParked.length };
}

/** Reports the outcomes; returns how many endpoints could not be reported. Never throws. */
export async function report(ids: CampaignIds, results: readonly EndpointResult[], deps: DeliveryDeps): Promise<number> {
  if (!deps.reporter || results.length === 0) return 0;
  let outcome;
  try {
    outcome = await deps.reporter.report(ids, results, new Date(deps.clock.now()), settleSignal(settingsOf(deps)));
  } catch (error) {
    outcome = { reported: 0, failed: results.length, error: (error as Error).name };
  }
  if (outcome.failed > 0) {
    deps.logger.warn('Could not report every outcome to Pinpoint; delivery is not affected', {
      notReported: outcome.failed, reported: outcome.reported, error: outcome.error,
    });
  }
  return outcome.failed;
}

function settleSignal(settings: DeliverySettings): AbortSignal {
  return AbortSignal.timeout(settings.settleTimeoutMs);
}
