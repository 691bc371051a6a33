import { renderMessage } from '../../lambda/triggers/pinpoint/placeholders';
import { unsupportedPlaceholders } from '../../lambda/contract';
import { endpoint, TEMPLATE_MESSAGE } from '../support/events';

describe('renderMessage', () => {
  test('replaces each supported placeholder from the endpoint, taking the first value of a list', () => {
    // GIVEN a message using every placeholder form
    const template = { type: 'text', text: { body: 'Hi {{User.UserAttributes.FirstName}} ({{User.UserId}}), {{Attributes.Item}} for {{ Address }}' } };
    // WHEN rendered for an endpoint
    const result = renderMessage(template, endpoint(7, { Attributes: { Item: ['first', 'second'] } }));
    // THEN
    expect(result).toEqual({ ok: true, message: { type: 'text', text: { body: 'Hi Person7 (user-7), first for +15550100007' } } });
  });

  test('replaces inside nested template components and leaves the template untouched', () => {
    const original = JSON.stringify(TEMPLATE_MESSAGE);
    const result = renderMessage(TEMPLATE_MESSAGE, endpoint(3));
    expect(result.ok && result.message.template).toMatchObject({
      components: [{ parameters: [{ text: 'Person3' }, { text: 'item 3' }] }],
    });
    expect(JSON.stringify(TEMPLATE_MESSAGE)).toBe(original);
  });

  test('a value with quotes and braces stays a value', () => {
    const result = renderMessage({ type: 'text', text: { body: '{{User.UserAttributes.FirstName}}' } },
      endpoint(1, { User: { UserAttributes: { FirstName: ['"}, "to": "+1999{{Address}}'] } } }));
    expect(result).toEqual({ ok: true, message: { type: 'text', text: { body: '"}, "to": "+1999{{Address}}' } } });
  });

  test.each([
    ['an attribute the endpoint lacks', { User: { UserAttributes: {} } }, 'User.UserAttributes.FirstName'],
    ['an empty list', { User: { UserAttributes: { FirstName: [] } } }, 'User.UserAttributes.FirstName'],
    ['an empty string', { User: { UserAttributes: { FirstName: [''] } } }, 'User.UserAttributes.FirstName'],
    ['no User at all', { User: undefined }, 'User.UserAttributes.FirstName'],
    ['an inherited name', { User: { UserAttributes: Object.create({ FirstName: ['inherited'] }) } }, 'User.UserAttributes.FirstName'],
  ])('a placeholder with no value (%s) is reported, not sent as a hole', (_name, overrides, missing) => {
    const result = renderMessage(TEMPLATE_MESSAGE, endpoint(1, overrides));
    expect(result).toEqual({ ok: false, missing });
  });
});

describe('unsupportedPlaceholders', () => {
  test('lists placeholders that are not one of the four supported forms', () => {
    const message = { type: 'text', text: { body: '{{Address}} {{FirstName}} {{User.Name}} {{Attributes.A.B}} {{}}' } };
    expect(unsupportedPlaceholders(message)).toEqual(['{{FirstName}}', '{{User.Name}}', '{{Attributes.A.B}}', '{{}}']);
  });

  test('accepts the supported forms', () => {
    expect(unsupportedPlaceholders(TEMPLATE_MESSAGE)).toEqual([]);
  });
});
