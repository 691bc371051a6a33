/**
 * The channels that deliver, and how each is built from its settings. Adding a channel means a
 * provider module, its tests, an entry here and its settings in config.ts; the core does not change.
 */
import type { ChannelProvider } from '../domain';
import { EndUserMessagingWhatsAppProvider, type EndUserMessagingProviderOptions, type SocialMessagingSdk } from './end-user-messaging';
import { MessengerProvider, type MessengerProviderOptions } from './messenger';
import { WhatsAppProvider, type WhatsAppProviderOptions } from './whatsapp';

export type ProviderConfig =
  | ({ readonly channel: 'whatsapp'; readonly api?: 'graph' } & WhatsAppProviderOptions)
  | ({ readonly channel: 'whatsapp'; readonly api: 'aws' } & EndUserMessagingProviderOptions)
  | ({ readonly channel: 'messenger' } & MessengerProviderOptions);

/** Whether the provider is authorised by a token from the secret (Meta's Graph API) rather than by IAM. */
export function needsToken(config: ProviderConfig): boolean {
  return !(config.channel === 'whatsapp' && config.api === 'aws');
}

export function createProvider(config: ProviderConfig): ChannelProvider {
  switch (config.channel) {
    case 'whatsapp':
      return config.api === 'aws' ? new EndUserMessagingWhatsAppProvider(socialMessaging, config) : new WhatsAppProvider(config);
    case 'messenger':
      return new MessengerProvider(config);
  }
}

let loaded: Promise<SocialMessagingSdk> | undefined;

/**
 * End User Messaging Social's SDK, loaded once, on first use. `require`, not `import()`: esbuild bundles
 * it into a deployment that sends through it, and a deployment that does not leaves it out of its
 * bundle altogether (see CustomChannelFunction), which a static import would not allow.
 */
function socialMessaging(): Promise<SocialMessagingSdk> {
  loaded ??= Promise.resolve().then(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('@aws-sdk/client-socialmessaging') as typeof import('@aws-sdk/client-socialmessaging');
    // The core retries within the invocation's deadline; the SDK's own retries would not see it.
    return { client: new sdk.SocialMessagingClient({ maxAttempts: 1 }), SendWhatsAppMessageCommand: sdk.SendWhatsAppMessageCommand };
  });
  return loaded;
}
