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
});
