/** ops send: a campaign that sends a WhatsApp template through the custom channel. */
import { CreateCampaignCommand } from '@aws-sdk/client-pinpoint';
import { checkWhatsAppMessage, MAX_DATA_BYTES, STACK_OUTPUT, unsupportedPlaceholders } from '../../lambda/contract';
import type { OpsCommand } from '../shared/io';
import { campaignStack, deliveryStack, flags, projectId, stackOutput } from '../shared/stacks';
import { UsageError } from '../shared/usage';

const SEND_HELP = `Usage: npm run ops -- send --template NAME [--language en_US] [--param TEXT ...] [--segment ID]
    (--now | --at 2027-01-04T09:00:00Z) [--name NAME] [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates a campaign that sends the WhatsApp template NAME through the custom channel, with the body
parameters in order. A parameter may hold placeholders such as {{User.UserAttributes.FirstName}}.
The segment defaults to the sample segment, the function to the deployed one.`;

export const send: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, {
    template: { type: 'string' }, language: { type: 'string' }, param: { type: 'string', multiple: true }, segment: { type: 'string' },
    now: { type: 'boolean' }, at: { type: 'string' }, name: { type: 'string' }, 'project-id': { type: 'string' },
  });
  if (values.help) {
    io.out(SEND_HELP);
    return 0;
  }
  const template = values.template as string | undefined;
  if (!template || !/^[a-z0-9_]{1,512}$/.test(template)) throw new UsageError('--template must be the template\'s name (lower case letters, digits and _)');
  const language = (values.language as string | undefined) ?? 'en_US';
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw new UsageError(`--language must be a language code such as en_US, got "${language}"`);
  if (Boolean(values.now) === (values.at !== undefined)) throw new UsageError('give exactly one of --now and --at');
  let startTime = 'IMMEDIATE';
  if (values.at !== undefined) {
    const at = Date.parse(values.at as string);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(values.at as string) || Number.isNaN(at)) {
      throw new UsageError(`--at must be an ISO 8601 time with a zone, such as 2027-01-04T09:00:00Z, got "${values.at}"`);
    }
    if (at <= Date.now()) throw new UsageError(`--at ${values.at} is in the past`);
    startTime = new Date(at).toISOString();
  }
  const params = (values.param as string[] | undefined) ?? [];
  const message = {
    type: 'template',
    template: {
      name: template,
      language: { code: language },
      ...(params.length > 0 ? { components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }] } : {}),
    },
  };
  const problem = checkWhatsAppMessage(message)
    ?? (unsupportedPlaceholders(message).length > 0 ? `uses unsupported placeholders ${unsupportedPlaceholders(message).join(', ')}` : undefined);
  if (problem) throw new UsageError(`the message ${problem}`);
  const data = JSON.stringify(message);
  if (Buffer.byteLength(data, 'utf8') > MAX_DATA_BYTES) throw new UsageError(`the message is ${Buffer.byteLength(data, 'utf8')} bytes; Pinpoint allows ${MAX_DATA_BYTES}`);
  const segment = values.segment as string | undefined;
  if (segment !== undefined && !/^[0-9a-f]{32}$/.test(segment)) throw new UsageError(`--segment must be a 32-character segment id, got "${segment}"`);

  const aws = clients();
  const applicationId = await projectId(values, env, aws);
  const request = {
    ApplicationId: applicationId,
    WriteCampaignRequest: {
      Name: (values.name as string | undefined) ?? `${template} ${new Date().toISOString().slice(0, 16)}`,
      SegmentId: segment ?? await stackOutput(aws.cloudFormation, campaignStack(values, env), STACK_OUTPUT.segmentId),
      Schedule: { StartTime: startTime, Frequency: 'ONCE' as const },
      IsPaused: false,
      MessageConfiguration: { CustomMessage: { Data: data } },
      CustomDeliveryConfiguration: {
        DeliveryUri: await stackOutput(aws.cloudFormation, deliveryStack(values, env), STACK_OUTPUT.deliveryFunctionArn),
        EndpointTypes: ['CUSTOM' as const],
      },
    },
  };
  if (values['dry-run']) {
    io.out(`CreateCampaign ${JSON.stringify(request)}`);
    return 0;
  }
  const { CampaignResponse: campaign } = await aws.pinpoint.send(new CreateCampaignCommand(request));
  const region = await aws.pinpoint.config.region();
  io.out(`campaign ${campaign?.Id} created (${campaign?.State?.CampaignStatus ?? 'state unknown'})`);
  io.out(`console: https://${region}.console.aws.amazon.com/pinpoint/home?region=${region}#/apps/${applicationId}/campaigns/${campaign?.Id}/details`);
  return 0;
};
