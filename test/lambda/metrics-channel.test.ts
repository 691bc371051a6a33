import * as http from 'node:http';
import * as https from 'node:https';
import type { Context } from 'aws-lambda';
import type * as HandlerModule from '../../lambda/handler';
import { countEndpoints, EXECUTION_NAMESPACE } from '../../lambda/metrics-channel';
import { endpoint, pinpointEvent } from '../support/events';

const mixedEvent = () => pinpointEvent(2, {
  endpoints: {
    sms: endpoint(10, { ChannelType: 'SMS' }), email: endpoint(11, { ChannelType: 'EMAIL', Address: 'a@example.com' }),
    voice: endpoint(12, { ChannelType: 'VOICE' }), apns: endpoint(13, { ChannelType: 'APNS' }), gcm: endpoint(14, { ChannelType: 'GCM' }),
  },
});

describe('countEndpoints', () => {
  test('one EMF line with the counts per channel type, with and without the campaign and application dimensions', () => {
    // GIVEN a batch of 2 CUSTOM, 1 SMS, 1 EMAIL, 1 VOICE and 2 push endpoints
    // WHEN counted
    const { emf, response } = countEndpoints(mixedEvent(), 1_795_000_000_000);
    // THEN the EMF document declares the namespace, both dimension sets and the six metrics of AWS's example
    const document = JSON.parse(emf!);
    expect(document._aws).toEqual({
      Timestamp: 1_795_000_000_000,
      CloudWatchMetrics: [{
        Namespace: EXECUTION_NAMESPACE,
        Dimensions: [[], ['CampaignId', 'ApplicationId']],
        Metrics: ['EndpointCount', 'CustomCount', 'SMSCount', 'EmailCount', 'VoiceCount', 'PushCount'].map((Name) => ({ Name, Unit: 'Count' })),
      }],
    });
    expect(document).toMatchObject({
      CampaignId: '13978104ce5d6017c72552257example', ApplicationId: '3a9b1f4e6c764ba7b031e7183example',
      EndpointCount: 7, CustomCount: 2, SMSCount: 1, EmailCount: 1, VoiceCount: 1, PushCount: 2,
    });
    // and every endpoint is answered
    expect(response.apns.EventAttributes).toEqual({ status: 'counted', channel_type: 'APNS' });
    expect(Object.keys(response)).toHaveLength(7);
  });

  test('without a campaign id (a journey), only the dimensionless set is published', () => {
    const { emf } = countEndpoints({ ...pinpointEvent(1), CampaignId: undefined, JourneyId: 'j' }, 0);
    expect(JSON.parse(emf!)._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
  });

  test('an event without endpoints publishes nothing and says why', () => {
    expect(countEndpoints({ Data: '{}' }, 0)).toEqual({ response: {}, problem: 'Endpoints is missing or not an object' });
  });
});

describe('the handler with CHANNEL=metrics', () => {
  test('needs no token or queue, sends nothing, and prints exactly one EMF line per batch', async () => {
    // GIVEN a function deployed as the metrics channel: no secret, no phone number, no queue
    const saved = { ...process.env };
    for (const key of ['TOKEN_SECRET_ARN', 'WHATSAPP_PHONE_NUMBER_ID', 'JOB_QUEUE_URL', 'DEAD_LETTER_QUEUE_URL', 'IDEMPOTENCY_TABLE_NAME']) delete process.env[key];
    process.env.CHANNEL = 'metrics';
    // Every way out of the process: the providers' transport and fetch.
    const requestSpies = [jest.spyOn(http, 'request'), jest.spyOn(https, 'request'), jest.spyOn(globalThis, 'fetch')];
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      let handler: (event: unknown, context: Context) => Promise<unknown>;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        handler = (require('../../lambda/handler') as typeof HandlerModule).handler;
      });
      // WHEN a batch arrives
      const response = await handler!(mixedEvent(), { getRemainingTimeInMillis: () => 10_000 } as Context);
      // THEN
      expect(Object.keys(response as object)).toHaveLength(7);
      const emf = lines.join('').split('\n').filter((line) => line.includes('"_aws"'));
      expect(emf).toHaveLength(1);
      expect(JSON.parse(emf[0])).toMatchObject({ EndpointCount: 7, _aws: { CloudWatchMetrics: [{ Namespace: EXECUTION_NAMESPACE }] } });
      for (const spy of requestSpies) expect(spy).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
      for (const spy of requestSpies) spy.mockRestore();
      process.env = saved;
    }
  });
});
