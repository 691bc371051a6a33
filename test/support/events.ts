/** Pinpoint custom-channel events for tests, shaped like the ones the developer guide documents. */

export const TEMPLATE_MESSAGE = {
  type: 'template',
  template: {
    name: 'order_unpaid',
    language: { code: 'en_US' },
    components: [{ type: 'body', parameters: [{ type: 'text', text: '{{User.UserAttributes.FirstName}}' }, { type: 'text', text: '{{Attributes.Item}}' }] }],
  },
};

/** A phone number per index, as E.164 digits: 15550100000, 15550100001, ... */
export function phoneNumber(index: number): string {
  return `1555010${String(index).padStart(4, '0')}`;
}

/** A Messenger page-scoped id per index, kept in the user attribute AWS's example uses. */
export function psid(index: number): string {
  return `24000000000${String(index).padStart(5, '0')}`;
}

export function endpoint(index: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ChannelType: 'CUSTOM',
    Address: `+${phoneNumber(index)}`,
    EndpointStatus: 'ACTIVE',
    OptOut: 'NONE',
    Attributes: { Item: [`item ${index}`] },
    User: { UserId: `user-${index}`, UserAttributes: { FirstName: [`Person${index}`], facebookMessengerPsid: [psid(index)] } },
    EffectiveDate: '2026-11-01T01:05:17.267Z',
    ...overrides,
  };
}

export function endpointId(index: number): string {
  return `endpoint-${String(index).padStart(2, '0')}`;
}

export function pinpointEvent(count: number, options: { message?: unknown; endpoints?: Record<string, unknown>; offset?: number } = {}): Record<string, unknown> {
  const endpoints: Record<string, unknown> = {};
  const offset = options.offset ?? 0;
  for (let i = offset; i < offset + count; i += 1) endpoints[endpointId(i)] = endpoint(i);
  return {
    Message: {},
    Data: JSON.stringify(options.message ?? TEMPLATE_MESSAGE),
    ApplicationId: '3a9b1f4e6c764ba7b031e7183example',
    CampaignId: '13978104ce5d6017c72552257example',
    TreatmentId: '0',
    ActivityId: '575cb1929d5ba43e87e2478eeexample',
    ScheduledTime: '2026-11-23T09:00:16.843Z',
    Endpoints: { ...endpoints, ...options.endpoints },
  };
}
