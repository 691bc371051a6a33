/**
 * The channels that deliver, and how each is built from its settings. Adding a channel means a
 * provider module, its tests, an entry here and its settings in config.ts; the core does not change.
 */
import { MessengerProvider, type MessengerProviderOptions } from './messenger';
import type { ChannelProvider } from '../domain';
import { WhatsAppProvider, type WhatsAppProviderOptions } from './whatsapp';

export type ProviderConfig =
  | ({ readonly channel: 'whatsapp' } & WhatsAppProviderOptions)
  | ({ readonly channel: 'messenger' } & MessengerProviderOptions);

export function createProvider(config: ProviderConfig): ChannelProvider {
  switch (config.channel) {
    case 'whatsapp':
      return new WhatsAppProvider(config);
    case 'messenger':
      return new MessengerProvider(config);
  }
}
