/**
 * ops send: a campaign that sends the deployed channel's message through the custom channel, or,
 * with --to, one test message to one number (or PSID) through the deployed function, with no
 * campaign and no segment, so that a first send reaches nobody else.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateCampaignCommand } from '@aws-sdk/client-pinpoint';
import { DEFAULT_PSID_ATTRIBUTE, STACK_OUTPUT } from '../../lambda/contract';
import { maskRecipient } from '../../lambda/domain';
import { normalisePhoneNumber } from '../../lambda/providers/whatsapp';
import { type DeployedChannel, deployedChannel } from '../shared/deployment';
import { attributes } from '../shared/endpoints';
import type { OpsClients, OpsCommand } from '../shared/io';
import { MESSAGE_FLAGS, messageData } from '../shared/messages';
import { campaignStack, deliveryStack, flags, outputOrPlaceholder, projectId } from '../shared/stacks';
import { CommandError, EXIT, type FlagValues, UsageError } from '../shared/usage';

const SEND_HELP = `Usage: npm run ops -- send (--to +15551234567 | --now | --at 2027-01-04T09:00:00Z)
    WhatsApp:  --template NAME [--language en_US] [--param TEXT ...]
    Messenger: --text TEXT
    [--user-attr Key=Value ...] [--segment ID] [--name NAME] [--project-id ID] [--function ARN]
    [--channel whatsapp|messenger] [--stack-prefix NAME] [--dry-run]

--to sends one test message to one number (WhatsApp) or PSID (Messenger) through the deployed
function, with no campaign and no segment; --user-attr fills its placeholders. Do this first.
--now or --at creates a campaign that sends to the segment (default: the sample segment, which is
every CUSTOM endpoint). The message is built for the channel the function was deployed with (read
from the function, or --channel). A template parameter may hold placeholders such as
{{User.UserAttributes.FirstName}}. --dry-run prints the request and calls no AWS API.`;

export const send: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, {
    ...MESSAGE_FLAGS, segment: { type: 'string' }, now: { type: 'boolean' }, at: { type: 'string' }, name: { type: 'string' },
    'project-id': { type: 'string' }, to: { type: 'string' }, channel: { type: 'string' }, function: { type: 'string' },
    'user-attr': { type: 'string', multiple: true },
  });
  if (values.help) {
    io.out(SEND_HELP);
    return EXIT.ok;
  }
  const modes = [values.to !== undefined, values.now === true, values.at !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give exactly one of --now and --at, or --to for a test send (see --help)');
  const startTime = values.at === undefined ? 'IMMEDIATE' : futureTime(values.at as string);
  const functionArn = (values.function as string | undefined) ?? await outputOrPlaceholder(values, clients, deliveryStack(values, env), STACK_OUTPUT.deliveryFunctionArn);
  const deployed = await deployedChannel(values, clients, functionArn);
  if (deployed.channel === 'metrics') throw new UsageError('the deployed function is the metrics channel, which sends nothing');
  const data = messageData(deployed.channel, values);
  if (values.to !== undefined) return testSend(values, data, deployed, functionArn, io.out, clients);

  const segment = values.segment as string | undefined;
  if (segment !== undefined && !/^[0-9a-f]{32}$/.test(segment)) throw new UsageError(`--segment must be a 32-character segment id, got "${segment}"`);
  const applicationId = await projectId(values, env, clients);
  const request = {
    ApplicationId: applicationId,
    WriteCampaignRequest: {
      Name: (values.name as string | undefined) ?? `${values.template ?? 'message'} ${new Date().toISOString().slice(0, 16)}`,
      SegmentId: segment ?? await outputOrPlaceholder(values, clients, campaignStack(values, env), STACK_OUTPUT.segmentId),
      Schedule: { StartTime: startTime, Frequency: 'ONCE' as const },
      IsPaused: false,
      MessageConfiguration: { CustomMessage: { Data: data } },
      CustomDeliveryConfiguration: { DeliveryUri: functionArn, EndpointTypes: ['CUSTOM' as const] },
    },
  };
  if (values['dry-run']) {
    io.out(`CreateCampaign ${JSON.stringify(request)}`);
    return EXIT.ok;
  }
  const aws = clients();
  const { CampaignResponse: campaign } = await aws.pinpoint.send(new CreateCampaignCommand(request));
  const region = await aws.pinpoint.config.region();
  io.out(`campaign ${campaign?.Id} created (${campaign?.State?.CampaignStatus ?? 'state unknown'})`);
  io.out(`console: https://${region}.console.aws.amazon.com/pinpoint/home?region=${region}#/apps/${applicationId}/campaigns/${campaign?.Id}/details`);
  return EXIT.ok;
};

function futureTime(text: string): string {
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(at)) {
    throw new UsageError(`--at must be an ISO 8601 time with a zone, such as 2027-01-04T09:00:00Z, got "${text}"`);
  }
  if (at <= Date.now()) throw new UsageError(`--at ${text} is in the past`);
  return new Date(at).toISOString();
}

/** The endpoint id of test sends; the campaign id is new each time, so the duplicate check lets a repeat through. */
const TEST_ENDPOINT_ID = 'ops-test-send';

/** Invokes the deployed function with a one-endpoint event, as Pinpoint would, and prints that endpoint's outcome. */
async function testSend(
  values: FlagValues, data: string, deployed: DeployedChannel, functionArn: string, out: (line: string) => void, clients: () => OpsClients,
): Promise<number> {
  const to = (values.to as string).trim();
  const recipient = deployed.channel === 'whatsapp' ? normalisePhoneNumber(to) : /^\d{5,30}$/.test(to) ? to : undefined;
  if (!recipient) throw new UsageError(deployed.channel === 'whatsapp' ? `--to must be a phone number (E.164, such as +15551234567)` : '--to must be the person\'s PSID (digits)');
  const userAttributes = { ...attributes(values['user-attr'], '--user-attr') };
  if (deployed.channel === 'messenger') userAttributes[deployed.psidAttribute ?? DEFAULT_PSID_ATTRIBUTE] = [recipient];
  const endpoint = {
    ChannelType: 'CUSTOM', EndpointStatus: 'ACTIVE', OptOut: 'NONE', ...(deployed.channel === 'whatsapp' ? { Address: `+${recipient}` } : {}), User: { UserAttributes: userAttributes },
  };
  const event = { CampaignId: `ops-test-${Date.now()}`, TreatmentId: '0', Data: data, Endpoints: { [TEST_ENDPOINT_ID]: endpoint } };
  if (values['dry-run']) {
    // The exact request, but for the number: a dry run's output may be pasted anywhere.
    out(`Invoke ${JSON.stringify({ FunctionName: functionArn, Payload: event }).split(recipient).join(maskRecipient(recipient))}`);
    return EXIT.ok;
  }
  const response = await clients().lambda.send(new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  const answer = response.Payload ? JSON.parse(new TextDecoder().decode(response.Payload)) : undefined;
  if (response.FunctionError) throw new CommandError(`the function failed: ${answer?.errorType ?? response.FunctionError}: ${answer?.errorMessage ?? ''}`.trim());
  const attributesOut = answer?.[TEST_ENDPOINT_ID]?.EventAttributes as Record<string, string> | undefined;
  if (!attributesOut) throw new CommandError('the function answered without a result for the test endpoint');
  const detail = [attributesOut.message_id && `message id ${attributesOut.message_id}`, attributesOut.error_code, attributesOut.reason].filter(Boolean).join(', ');
  out(`test send to ${maskRecipient(recipient)}: ${attributesOut.status}${detail ? ` (${detail})` : ''}`);
  return attributesOut.status === 'delivered' ? EXIT.ok : EXIT.failed;
}
