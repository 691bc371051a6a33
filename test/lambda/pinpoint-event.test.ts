import { parseEvent } from '../../lambda/triggers/pinpoint/event';
import { pinpointEvent } from '../support/events';

describe('parseEvent', () => {
  test('a well-formed event gives its ids, the parsed Data and the endpoints in order', () => {
    // GIVEN an event as Pinpoint sends it; WHEN parsed
    const result = parseEvent(pinpointEvent(3));
    // THEN
    if (!result.ok) throw new Error(result.problem);
    expect(result.event.ids).toEqual({
      applicationId: '3a9b1f4e6c764ba7b031e7183example', campaignId: '13978104ce5d6017c72552257example',
      treatmentId: '0', activityId: '575cb1929d5ba43e87e2478eeexample', journeyId: undefined,
    });
    expect(result.event.message).toMatchObject({ type: 'template' });
    expect(result.event.endpoints.map(([id]) => id)).toEqual(['endpoint-00', 'endpoint-01', 'endpoint-02']);
  });

  const withEndpoints = (endpoints: string) => ({ ...pinpointEvent(0), Endpoints: JSON.parse(endpoints) });

  test.each([
    ['not an object', 'hello', 'the event is not an object', 0],
    ['no Endpoints', { ...pinpointEvent(1), Endpoints: undefined }, 'Endpoints is missing', 0],
    ['Endpoints a list', { ...pinpointEvent(1), Endpoints: [{}] }, 'Endpoints is not an object', 0],
    ['no Data', { ...pinpointEvent(2), Data: undefined }, 'Data is missing', 2],
    ['Data not JSON', { ...pinpointEvent(2), Data: '{"type":' }, 'Data is not valid JSON', 2],
    ['Data a JSON string', { ...pinpointEvent(2), Data: '"text"' }, 'Data is not a JSON object', 2],
    ['Data over 5 KB', { ...pinpointEvent(2), Data: JSON.stringify({ type: 'text', text: { body: 'x'.repeat(5200) } }) }, 'over the 5120-byte limit', 2],
    ['a __proto__ key in Data', { ...pinpointEvent(2), Data: '{"type":"text","text":{"__proto__":{"polluted":true}}}' }, 'Data.text.__proto__ is a forbidden key', 2],
    ['a constructor key deep in Data', { ...pinpointEvent(1), Data: '{"type":"t","t":[{"constructor":{}}]}' }, 'Data.t[0].constructor is a forbidden key', 1],
    ['Data nested 2,500 levels deep', { ...pinpointEvent(2), Data: `{"type":"text","text":${'['.repeat(2500)}${']'.repeat(2500)}}` }, 'Data is nested more than 32 levels deep', 2],
    ['more than 50 endpoints', pinpointEvent(51), '51 entries, more than the 50 Pinpoint sends at once; none was answered', 0],
  ])('rejects an event with %s, naming the problem and the endpoints it can still answer for', (_name, event, problem, answerable) => {
    // WHEN a malformed event is parsed
    const result = parseEvent(event);
    // THEN it is rejected whole, with a reason and the ids that can still get a result
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toContain(problem);
    expect(result.endpointIds).toHaveLength(answerable);
  });

  test('a reserved endpoint id does not reject the event: the trigger refuses that endpoint alone', () => {
    const result = parseEvent(withEndpoints('{"a":{},"__proto__":{"Address":"+15550100000"},"constructor":{}}'));
    expect(result.ok && result.event.endpoints.map(([id]) => id)).toEqual(['a', '__proto__', 'constructor']);
  });

  test('parsing a polluting event leaves Object.prototype alone', () => {
    parseEvent({ ...pinpointEvent(1), Data: '{"type":"text","__proto__":{"polluted":true}}' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
