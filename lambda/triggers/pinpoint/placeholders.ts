/**
 * The values a Pinpoint endpoint gives its placeholders: {{Address}}, {{User.UserId}},
 * {{Attributes.NAME}} and {{User.UserAttributes.NAME}} (the forms the contract accepts at synth).
 */
import { isObject, type JsonObject } from '../../contract';
import { renderTemplate, type RenderResult } from '../../core';
import type { EndpointDefinition } from '../../domain';

/** The message with every placeholder replaced from the endpoint, or the first placeholder that has no value. */
export function renderMessage(template: JsonObject, endpoint: EndpointDefinition): RenderResult {
  return renderTemplate(template, (path) => placeholderValue(endpoint, path));
}

function placeholderValue(endpoint: EndpointDefinition, path: string): string | undefined {
  if (path === 'Address') return nonEmpty(endpoint.Address);
  if (path === 'User.UserId') return nonEmpty(endpoint.User?.UserId);
  if (path.startsWith('Attributes.')) return attributeValue(endpoint.Attributes, path.slice('Attributes.'.length));
  if (path.startsWith('User.UserAttributes.')) return attributeValue(endpoint.User?.UserAttributes, path.slice('User.UserAttributes.'.length));
  return undefined;
}

/** Pinpoint stores attributes as lists of strings; a placeholder takes the first. */
function attributeValue(attributes: unknown, name: string): string | undefined {
  if (!isObject(attributes) || !Object.hasOwn(attributes, name)) return undefined;
  const value = attributes[name];
  return nonEmpty(Array.isArray(value) ? value[0] : value);
}

function nonEmpty(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
