/** Amazon Connect outbound campaign events for tests, shaped like the one AWS's "Invoke Lambda functions" page documents. */
import { phoneNumber, psid } from './events';

/** The request example of AWS's page, as it is printed there. */
export const DOCUMENTED_EXAMPLE_EVENT = {
  InvocationMetadata: { CampaignContext: { CampaignId: 'campaign-12345', RunId: 'run-67890', ActionId: 'activity-abc123', CampaignName: 'Welcome Campaign' } },
  Items: {
    CustomerProfiles: [
      { ProfileId: 'customer-001', CustomerData: '{"firstName":"John","lastName":"Doe","email":"john.doe@example.com"}', IdempotencyToken: 'token-xyz789' },
      { ProfileId: 'customer-002', CustomerData: '{"firstName":"Jane","lastName":"Smith","email":"jane.smith@example.com"}', IdempotencyToken: 'token-abc456' },
    ],
  },
};

export const CONNECT_CONTEXT = { CampaignId: '8f4a2b1c-0d3e-4f5a-9b6c-7d8e9f0a1b2c', RunId: 'run-2027-03-01', ActionId: 'whatsapp-reminder', CampaignName: 'Spring reminder' };

export function profileId(index: number): string {
  return `${String(index).padStart(4, '0')}${'a'.repeat(28)}`;
}

/** A Customer Profiles profile as CustomerData carries it: PascalCase fields, custom attributes under Attributes. */
export function customerData(index: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ProfileId: profileId(index), FirstName: `Person${index}`, PhoneNumber: `+${phoneNumber(index)}`,
    Attributes: { Item: `item ${index}`, facebookMessengerPsid: psid(index) }, ...overrides,
  };
}

export function connectEvent(count: number, options: { offset?: number; context?: Record<string, string>; profiles?: unknown[] } = {}): Record<string, unknown> {
  const offset = options.offset ?? 0;
  const profiles = options.profiles ?? Array.from({ length: count }, (_, i) => ({
    ProfileId: profileId(offset + i), CustomerData: JSON.stringify(customerData(offset + i)), IdempotencyToken: `token-${offset + i}`,
  }));
  return { InvocationMetadata: { CampaignContext: { ...CONNECT_CONTEXT, ...options.context } }, Items: { CustomerProfiles: profiles } };
}

/** A WhatsApp template greeting each profile by name, with one of its attributes. */
export const CONNECT_TEMPLATE = {
  type: 'template',
  template: {
    name: 'order_unpaid', language: { code: 'en_US' },
    components: [{ type: 'body', parameters: [{ type: 'text', text: '{{Profile.FirstName}}' }, { type: 'text', text: '{{Profile.Attributes.Item}}' }] }],
  },
};
