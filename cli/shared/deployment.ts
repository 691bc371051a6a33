/** What the deployed function was configured with, read from its own configuration. */
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CHANNELS, type Channel, DEFAULT_CHANNEL, DEFAULT_PSID_ATTRIBUTE, ENV } from '../../lambda/contract';
import type { OpsClients } from './io';
import { type FlagValues, UsageError } from './usage';

export interface DeployedChannel {
  readonly channel: Channel;
  /** Where a Messenger endpoint keeps its PSID. */
  readonly psidAttribute: string;
  /** How WhatsApp messages leave: `graph` (with the token) or `aws` (End User Messaging Social, no token). */
  readonly whatsappApi: string;
}

/** --channel when given (a dry run needs nothing deployed), else the function's CHANNEL variable. */
export async function deployedChannel(values: FlagValues, aws: () => OpsClients, functionName: string): Promise<DeployedChannel> {
  const given = values.channel as string | undefined;
  if (given !== undefined) {
    if (!(CHANNELS as readonly string[]).includes(given)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}, got "${given}"`);
    return { channel: given as Channel, psidAttribute: DEFAULT_PSID_ATTRIBUTE, whatsappApi: 'graph' };
  }
  if (values['dry-run']) throw new UsageError('a dry run reads nothing deployed: say which channel with --channel whatsapp|messenger');
  const { Environment } = await aws().lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const variables = Environment?.Variables ?? {};
  return {
    channel: (variables[ENV.channel] ?? DEFAULT_CHANNEL) as Channel,
    psidAttribute: variables[ENV.messengerPsidAttribute] ?? DEFAULT_PSID_ATTRIBUTE,
    whatsappApi: variables[ENV.whatsappApi] ?? 'graph',
  };
}
