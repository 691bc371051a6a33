import { PinpointClient, PutEventsCommand } from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { PinpointOutcomeReporter } from '../../../lambda/adapters/pinpoint-outcome-reporter';

const pinpoint = mockClient(PinpointClient);

describe('PinpointOutcomeReporter', () => {
  test('an endpoint id such as __proto__ is one more key of the batch, never the batch\'s prototype', async () => {
    // GIVEN outcomes for an ordinary and a reserved endpoint id
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).resolves({ EventsResponse: { Results: {} } });
    const reporter = new PinpointOutcomeReporter(new PinpointClient({ region: 'eu-west-1' }), 'whatsapp');
    // WHEN reported
    await reporter.report({ applicationId: 'app', campaignId: 'c' }, [
      { endpointId: 'a', status: 'delivered', attempts: 1 },
      { endpointId: '__proto__', status: 'failed', errorCode: 'invalid_endpoint', attempts: 0 },
    ], new Date(0), AbortSignal.timeout(1000));
    // THEN both are own entries of the one call's batch
    const batch = pinpoint.commandCalls(PutEventsCommand)[0].args[0].input.EventsRequest!.BatchItem!;
    expect(Object.keys(batch)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(batch)).toBe(Object.prototype);
  });

  test('more outcomes than PutEvents takes (100) go in several calls, and every one is counted', async () => {
    // GIVEN 150 outcomes, and a Pinpoint that accepts every event
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).callsFake((input) => ({ EventsResponse: { Results: Object.fromEntries(Object.keys(input.EventsRequest.BatchItem)
      .map((id) => [id, { EventsItemResponse: { outcome: { StatusCode: 202 } } }])) } }));
    const reporter = new PinpointOutcomeReporter(new PinpointClient({ region: 'eu-west-1' }), 'whatsapp');
    const results = Array.from({ length: 150 }, (_, i) => ({ endpointId: `e${i}`, status: 'delivered' as const, attempts: 1 }));
    // WHEN reported
    const outcome = await reporter.report({ applicationId: 'app', campaignId: 'c' }, results, new Date(0), AbortSignal.timeout(1000));
    // THEN two calls of at most 100, all 150 reported
    expect(pinpoint.commandCalls(PutEventsCommand).map((call) => Object.keys(call.args[0].input.EventsRequest!.BatchItem!).length)).toEqual([100, 50]);
    expect(outcome).toEqual({ reported: 150, failed: 0, error: undefined });
  });
});
