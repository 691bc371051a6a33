/**
 * npm run ops -- <command> [options]
 *
 * Operator commands for a deployed custom channel. Ids come from the stacks' outputs, looked up by
 * stack name, so nothing has to be copied by hand. Region and credentials come from the standard AWS
 * environment (AWS_PROFILE, AWS_REGION, ...). Every command has --help and --dry-run.
 */
import * as fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateCampaignCommand, type EndpointBatchItem, GetCampaignActivitiesCommand, GetCampaignCommand, PinpointClient, UpdateEndpointsBatchCommand,
} from '@aws-sdk/client-pinpoint';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkWhatsAppMessage, MAX_DATA_BYTES, unsupportedPlaceholders } from '../lambda/contract';
import { maskRecipient } from '../lambda/domain';
import { normalisePhoneNumber } from '../lambda/providers/whatsapp';

/** A failure the operator can fix (bad input, a missing stack, an AWS refusal): one line, no stack trace. */
export class OpsError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'OpsError';
  }
}

export interface OpsIo {
  /** Everything on standard input (the token for set-token). */
  readStdin(): Promise<string>;
  /** Whether standard input is a terminal (then the user is told how to end the input). */
  readonly stdinIsTty: boolean;
  out(line: string): void;
  err(line: string): void;
}

export interface OpsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly secretsManager: SecretsManagerClient;
  readonly pinpoint: PinpointClient;
  readonly logs: CloudWatchLogsClient;
}

const GLOBAL_HELP = `Usage: npm run ops -- <command> [options]

Commands:
  set-token          Store the provider token (read from standard input) in the deployed secret
  add-endpoint       Create or update one CUSTOM endpoint
  import-endpoints   Create or update CUSTOM endpoints from a CSV file
  send               Start a campaign that sends a WhatsApp template through the custom channel
  status             A campaign's state, its runs, and what the function reported

Options for every command:
  --stack-prefix NAME   the stackNamePrefix the app was deployed with (default PinpointCustomChannel,
                        or STACK_NAME_PREFIX)
  --dry-run             print the exact request instead of sending it
  --help                this text, or a command's own

Region and credentials come from the standard AWS environment (AWS_PROFILE, AWS_REGION, ...).`;

const SET_TOKEN_HELP = `Usage: printf '%s' "$TOKEN" | npm run ops -- set-token [--secret-arn ARN] [--stack-prefix NAME] [--dry-run]

Reads the token from standard input, never from an argument, so that it does not land in your shell
history, and stores it in the deployed secret as {"accessToken": "..."}. The secret is the delivery
stack's TokenSecretArn output, unless --secret-arn names another. The function picks the new token up
within 5 minutes, or at once when the provider rejects the old one.`;

export async function runOps(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'set-token':
        return await setToken(rest, env, io, clients);
      case 'add-endpoint':
        return await addEndpoint(rest, env, io, clients);
      case 'import-endpoints':
        return await importEndpoints(rest, env, io, clients);
      case 'send':
        return await send(rest, env, io, clients);
      case 'status':
        return await status(rest, env, io, clients);
      case undefined:
      case '--help':
      case 'help':
        io.out(GLOBAL_HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new OpsError(`unknown command "${command}"\n\n${GLOBAL_HELP}`, 2);
    }
  } catch (error) {
    if (error instanceof OpsError) {
      io.err(`ops ${command ?? ''}: ${error.message}`);
      return error.exitCode;
    }
    const { name, message } = error as Error;
    // AWS refusals (no credentials, access denied, throttling) are expected: one line is enough.
    io.err(`ops ${command}: ${name}: ${message}`);
    return 1;
  }
}

/** Parses a command's flags; an unknown or malformed flag is a usage error naming it. */
function flags(argv: string[], options: NonNullable<ParseArgsConfig['options']>, help: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, 'stack-prefix': { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  } catch (error) {
    throw new OpsError(`${(error as Error).message}\n\n${help}`, 2);
  }
  return parsed.values as Record<string, string | boolean | undefined>;
}

function stackPrefix(values: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const prefix = (values['stack-prefix'] as string | undefined) ?? env.STACK_NAME_PREFIX ?? 'PinpointCustomChannel';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,100}$/.test(prefix)) throw new OpsError(`--stack-prefix must be a stack name prefix, got "${prefix}"`, 2);
  return prefix;
}

/** One output of a deployed stack, or an error saying which stack or output is missing. */
export async function stackOutput(client: CloudFormationClient, stackName: string, outputKey: string): Promise<string> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new OpsError(`stack ${stackName} was not found: deploy it first, or pass the --stack-prefix it was deployed with`);
    }
    throw error;
  }
  const value = stacks?.[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!value) throw new OpsError(`stack ${stackName} has no ${outputKey} output (is it a stack of this app, deployed with this version?)`);
  return value;
}

async function setToken(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, { 'secret-arn': { type: 'string' } }, SET_TOKEN_HELP);
  if (values.help) {
    io.out(SET_TOKEN_HELP);
    return 0;
  }
  const explicitArn = values['secret-arn'] as string | undefined;
  if (explicitArn !== undefined && !/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(explicitArn)) {
    throw new OpsError(`--secret-arn must be the ARN of a Secrets Manager secret, got "${explicitArn}"`, 2);
  }
  if (io.stdinIsTty) io.err('Paste the token, then press Enter and Ctrl-D:');
  const token = (await io.readStdin()).trim();
  if (token === '') throw new OpsError('no token on standard input: pipe it in, for example printf \'%s\' "$TOKEN" | npm run ops -- set-token', 2);
  if (/\s/.test(token)) throw new OpsError('the token on standard input contains white space; a Meta access token is one word', 2);

  const aws = clients();
  const secretArn = explicitArn ?? await stackOutput(aws.cloudFormation, `${stackPrefix(values, env)}-Delivery`, 'TokenSecretArn');
  const request = { SecretId: secretArn, SecretString: JSON.stringify({ accessToken: token }) };
  if (values['dry-run']) {
    // The exact request, with the token itself left out: a dry run's output may be pasted anywhere.
    io.out(`PutSecretValue ${JSON.stringify({ ...request, SecretString: `{"accessToken":"<the ${token.length} characters read from standard input>"}` })}`);
    return 0;
  }
  const { VersionId: versionId } = await aws.secretsManager.send(new PutSecretValueCommand(request));
  io.out(`Stored the token in ${secretArn} (version ${versionId}). The function uses it within 5 minutes, `
    + 'or at once if the provider rejects the token it has.');
  return 0;
}

/** The project: --project-id, or the campaign stack's ProjectId output. */
async function projectId(values: Record<string, unknown>, env: NodeJS.ProcessEnv, aws: OpsClients): Promise<string> {
  const explicit = values['project-id'] as string | undefined;
  if (explicit !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(explicit)) throw new OpsError(`--project-id must be a 32-character Pinpoint project id, got "${explicit}"`, 2);
    return explicit;
  }
  return stackOutput(aws.cloudFormation, `${stackPrefix(values, env)}-Campaign`, 'ProjectId');
}

/** `Key=Value` flags as Pinpoint attributes (lists of strings). */
function attributes(pairs: unknown, flag: string): Record<string, string[]> | undefined {
  const list = (pairs as string[] | undefined) ?? [];
  if (list.length === 0) return undefined;
  const result: Record<string, string[]> = {};
  for (const pair of list) {
    const match = /^([^=\s]{1,50})=(.+)$/.exec(pair);
    if (!match) throw new OpsError(`${flag} takes Key=Value, got "${pair}"`, 2);
    (result[match[1]] ??= []).push(match[2]);
  }
  return result;
}

/** A CUSTOM endpoint for WhatsApp: its id, unless given, follows from the number, so re-adding updates it. */
function endpointItem(address: string, options: { endpointId?: string; userId?: string; attributes?: Record<string, string[]>; userAttributes?: Record<string, string[]> }): EndpointBatchItem | string {
  const digits = normalisePhoneNumber(address);
  if (!digits) return `"${address}" is not a phone number (E.164, such as +15551234567)`;
  if (options.endpointId !== undefined && !/^[\w.:-]{1,100}$/.test(options.endpointId)) return `"${options.endpointId}" is not a valid endpoint id`;
  return {
    Id: options.endpointId ?? `custom-${digits}`,
    ChannelType: 'CUSTOM',
    Address: `+${digits}`,
    OptOut: 'NONE',
    Attributes: options.attributes,
    User: options.userId || options.userAttributes ? { UserId: options.userId, UserAttributes: options.userAttributes } : undefined,
  };
}

/** UpdateEndpointsBatch takes at most 100 endpoints. */
const ENDPOINT_BATCH = 100;

async function updateEndpoints(items: EndpointBatchItem[], applicationId: string, dryRun: boolean, io: OpsIo, aws: OpsClients): Promise<void> {
  for (let i = 0; i < items.length; i += ENDPOINT_BATCH) {
    const request = { ApplicationId: applicationId, EndpointBatchRequest: { Item: items.slice(i, i + ENDPOINT_BATCH) } };
    if (dryRun) {
      io.out(`UpdateEndpointsBatch ${JSON.stringify(request)}`);
      continue;
    }
    await aws.pinpoint.send(new UpdateEndpointsBatchCommand(request));
    if (items.length > ENDPOINT_BATCH) io.out(`updated ${Math.min(i + ENDPOINT_BATCH, items.length)} of ${items.length} endpoints`);
  }
}

const ADD_ENDPOINT_HELP = `Usage: npm run ops -- add-endpoint --address +15551234567 [--user-id ID] [--attr Key=Value ...]
    [--user-attr Key=Value ...] [--endpoint-id ID] [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates or updates one CUSTOM endpoint whose Address is the phone number. Its id is custom-<digits>
unless --endpoint-id is given, so adding the same number again updates it. --user-attr values fill
placeholders such as {{User.UserAttributes.FirstName}}.`;

async function addEndpoint(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, {
    address: { type: 'string' }, 'user-id': { type: 'string' }, attr: { type: 'string', multiple: true }, 'user-attr': { type: 'string', multiple: true },
    'endpoint-id': { type: 'string' }, 'project-id': { type: 'string' },
  }, ADD_ENDPOINT_HELP);
  if (values.help) {
    io.out(ADD_ENDPOINT_HELP);
    return 0;
  }
  if (typeof values.address !== 'string') throw new OpsError(`--address is required\n\n${ADD_ENDPOINT_HELP}`, 2);
  const item = endpointItem(values.address, {
    endpointId: values['endpoint-id'] as string | undefined, userId: values['user-id'] as string | undefined,
    attributes: attributes(values.attr, '--attr'), userAttributes: attributes(values['user-attr'], '--user-attr'),
  });
  if (typeof item === 'string') throw new OpsError(item, 2);
  const aws = clients();
  await updateEndpoints([item], await projectId(values, env, aws), Boolean(values['dry-run']), io, aws);
  if (!values['dry-run']) io.out(`endpoint ${item.Id} (${maskRecipient(item.Address!)}) created or updated`);
  return 0;
}

const IMPORT_HELP = `Usage: npm run ops -- import-endpoints --file people.csv [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates or updates CUSTOM endpoints from a CSV file with a header row. Columns:
  address        the phone number (required)
  endpointId     the endpoint's id (default custom-<digits>)
  userId         the user's id
  attr:NAME      an endpoint attribute;  user:NAME  a user attribute (for {{User.UserAttributes.NAME}})
Every row is checked first. If any is rejected, each is reported with its line number and nothing
is imported. Endpoints go to Pinpoint in batches of 100.`;

async function importEndpoints(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, { file: { type: 'string' }, 'project-id': { type: 'string' } }, IMPORT_HELP);
  if (values.help) {
    io.out(IMPORT_HELP);
    return 0;
  }
  if (typeof values.file !== 'string') throw new OpsError(`--file is required\n\n${IMPORT_HELP}`, 2);
  let text: string;
  try {
    text = fs.readFileSync(values.file, 'utf8');
  } catch (error) {
    throw new OpsError(`cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
  }
  const { items, rejected } = endpointsFromCsv(text);
  if (rejected.length > 0) {
    for (const problem of rejected) io.err(problem);
    throw new OpsError(`${rejected.length} row(s) rejected; nothing was imported`, 2);
  }
  if (items.length === 0) throw new OpsError(`${values.file} has no endpoint rows`, 2);
  const aws = clients();
  await updateEndpoints(items, await projectId(values, env, aws), Boolean(values['dry-run']), io, aws);
  if (!values['dry-run']) io.out(`${items.length} endpoint(s) created or updated`);
  return 0;
}

/** Endpoints from CSV text, or every row's problem with its line number. */
export function endpointsFromCsv(text: string): { items: EndpointBatchItem[]; rejected: string[] } {
  const records = parseCsv(text);
  const rejected: string[] = [];
  const items: EndpointBatchItem[] = [];
  const [header, ...rows] = records;
  if (!header) return { items, rejected: ['line 1: the file is empty; it needs a header row with an address column'] };
  const columns = header.fields.map((name) => name.trim());
  const addressColumn = columns.findIndex((name) => name.toLowerCase() === 'address');
  if (addressColumn < 0) return { items, rejected: [`line ${header.line}: the header has no address column`] };
  for (const name of columns) {
    if (!/^(address|endpointId|userId|attr:[^=\s]{1,50}|user:[^=\s]{1,50})$/i.test(name)) rejected.push(`line ${header.line}: unknown column "${name}"`);
  }
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.every((field) => field.trim() === '')) continue;
    if (fields.length !== columns.length) {
      rejected.push(`line ${line}: ${fields.length} fields, but the header has ${columns.length}`);
      continue;
    }
    const value = (name: string) => fields[columns.findIndex((c) => c.toLowerCase() === name.toLowerCase())]?.trim() || undefined;
    const prefixed = (prefix: string) => {
      const found = columns.map((c, i) => [c, fields[i].trim()] as const).filter(([c, v]) => c.startsWith(prefix) && v !== '');
      return found.length ? Object.fromEntries(found.map(([c, v]) => [c.slice(prefix.length), [v]])) : undefined;
    };
    const item = endpointItem(fields[addressColumn].trim(), {
      endpointId: value('endpointId'), userId: value('userId'), attributes: prefixed('attr:'), userAttributes: prefixed('user:'),
    });
    if (typeof item === 'string') {
      rejected.push(`line ${line}: ${item}`);
      continue;
    }
    const earlier = seen.get(item.Id!);
    if (earlier !== undefined) {
      rejected.push(`line ${line}: endpoint ${item.Id} is already on line ${earlier}`);
      continue;
    }
    seen.set(item.Id!, line);
    items.push(item);
  }
  return { items, rejected };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Each record keeps its first line number. */
function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += char;
    }
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const SEND_HELP = `Usage: npm run ops -- send --template NAME [--language en_US] [--param TEXT ...] [--segment ID]
    (--now | --at 2027-01-04T09:00:00Z) [--name NAME] [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates a campaign that sends the WhatsApp template NAME through the custom channel, with the body
parameters in order. A parameter may hold placeholders such as {{User.UserAttributes.FirstName}}.
The segment defaults to the sample segment, the function to the deployed one.`;

async function send(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, {
    template: { type: 'string' }, language: { type: 'string' }, param: { type: 'string', multiple: true }, segment: { type: 'string' },
    now: { type: 'boolean' }, at: { type: 'string' }, name: { type: 'string' }, 'project-id': { type: 'string' },
  }, SEND_HELP);
  if (values.help) {
    io.out(SEND_HELP);
    return 0;
  }
  const template = values.template as string | undefined;
  if (!template || !/^[a-z0-9_]{1,512}$/.test(template)) throw new OpsError('--template must be the template\'s name (lower case letters, digits and _)', 2);
  const language = (values.language as string | undefined) ?? 'en_US';
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw new OpsError(`--language must be a language code such as en_US, got "${language}"`, 2);
  if (Boolean(values.now) === (values.at !== undefined)) throw new OpsError('give exactly one of --now and --at', 2);
  let startTime = 'IMMEDIATE';
  if (values.at !== undefined) {
    const at = Date.parse(values.at as string);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(values.at as string) || Number.isNaN(at)) {
      throw new OpsError(`--at must be an ISO 8601 time with a zone, such as 2027-01-04T09:00:00Z, got "${values.at}"`, 2);
    }
    if (at <= Date.now()) throw new OpsError(`--at ${values.at} is in the past`, 2);
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
  if (problem) throw new OpsError(`the message ${problem}`, 2);
  const data = JSON.stringify(message);
  if (Buffer.byteLength(data, 'utf8') > MAX_DATA_BYTES) throw new OpsError(`the message is ${Buffer.byteLength(data, 'utf8')} bytes; Pinpoint allows ${MAX_DATA_BYTES}`, 2);
  const segment = values.segment as string | undefined;
  if (segment !== undefined && !/^[0-9a-f]{32}$/.test(segment)) throw new OpsError(`--segment must be a 32-character segment id, got "${segment}"`, 2);

  const aws = clients();
  const prefix = stackPrefix(values, env);
  const applicationId = await projectId(values, env, aws);
  const request = {
    ApplicationId: applicationId,
    WriteCampaignRequest: {
      Name: (values.name as string | undefined) ?? `${template} ${new Date().toISOString().slice(0, 16)}`,
      SegmentId: segment ?? await stackOutput(aws.cloudFormation, `${prefix}-Campaign`, 'SegmentId'),
      Schedule: { StartTime: startTime, Frequency: 'ONCE' as const },
      IsPaused: false,
      MessageConfiguration: { CustomMessage: { Data: data } },
      CustomDeliveryConfiguration: {
        DeliveryUri: await stackOutput(aws.cloudFormation, `${prefix}-Delivery`, 'DeliveryFunctionArn'),
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
}

const STATUS_HELP = `Usage: npm run ops -- status --campaign ID [--days N] [--project-id ID] [--stack-prefix NAME]

Prints the campaign's state, each of its runs as Pinpoint counts them (endpoints handed to the
function), and what the function reported: delivered, parked, failed and skipped endpoints over the
last N days (default 14). Pinpoint has no API that returns the custom events themselves, so those
figures come from the function's own log lines, with a CloudWatch Logs Insights query.`;

/** How long status waits for the Logs Insights query. */
const QUERY_TIMEOUT_MS = 60_000;

/** The function's per-batch summary lines for one campaign, summed. */
export function outcomeQuery(campaignId: string): string {
  return 'filter message = "Batch finished" and campaignId = "' + campaignId + '"\n'
    + '| stats sum(delivered) as delivered, sum(parked) as parked, sum(failed) as failed, sum(skipped) as skipped, '
    + 'sum(alreadyDelivered) as alreadyDelivered, count(*) as batches';
}

async function reportedOutcomes(aws: OpsClients, logGroupName: string, campaignId: string, days: number): Promise<Record<string, string>> {
  const endTime = Math.floor(Date.now() / 1000);
  const { queryId } = await aws.logs.send(new StartQueryCommand({
    logGroupName, startTime: endTime - days * 86_400, endTime, queryString: outcomeQuery(campaignId),
  }));
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  for (let wait = 200; Date.now() < deadline; wait = Math.min(wait * 2, 2000)) {
    const { status: state, results } = await aws.logs.send(new GetQueryResultsCommand({ queryId }));
    if (state === 'Complete') {
      return Object.fromEntries((results?.[0] ?? []).map((field) => [field.field ?? '', field.value ?? '0']));
    }
    if (state === 'Failed' || state === 'Cancelled' || state === 'Timeout') throw new OpsError(`the Logs Insights query on ${logGroupName} ended ${state}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  throw new OpsError(`the Logs Insights query on ${logGroupName} did not finish within ${QUERY_TIMEOUT_MS / 1000} s`);
}

async function status(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, { campaign: { type: 'string' }, days: { type: 'string' }, 'project-id': { type: 'string' } }, STATUS_HELP);
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const campaignId = values.campaign as string | undefined;
  if (!campaignId || !/^[0-9a-f]{32}$/.test(campaignId)) throw new OpsError(`--campaign must be a 32-character campaign id\n\n${STATUS_HELP}`, 2);
  const days = Number(values.days ?? 14);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new OpsError(`--days must be a whole number from 1 to 365, got "${values.days}"`, 2);
  const aws = clients();
  const applicationId = await projectId(values, env, aws);
  const requests = { campaign: { ApplicationId: applicationId, CampaignId: campaignId }, activities: { ApplicationId: applicationId, CampaignId: campaignId } };
  const logGroupName = await stackOutput(aws.cloudFormation, `${stackPrefix(values, env)}-Delivery`, 'DeliveryLogGroupName');
  if (values['dry-run']) {
    io.out(`GetCampaign ${JSON.stringify(requests.campaign)}`);
    io.out(`GetCampaignActivities ${JSON.stringify(requests.activities)}`);
    io.out(`StartQuery ${JSON.stringify({ logGroupName, days, queryString: outcomeQuery(campaignId) })}`);
    return 0;
  }
  let campaign;
  try {
    ({ CampaignResponse: campaign } = await aws.pinpoint.send(new GetCampaignCommand(requests.campaign)));
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') throw new OpsError(`campaign ${campaignId} was not found in project ${applicationId}`);
    throw error;
  }
  const { ActivitiesResponse: activities } = await aws.pinpoint.send(new GetCampaignActivitiesCommand(requests.activities));
  io.out(`campaign ${campaign?.Id} "${campaign?.Name ?? ''}": ${campaign?.State?.CampaignStatus ?? 'state unknown'}${campaign?.IsPaused ? ' (paused)' : ''}`);
  io.out(`  schedule: ${campaign?.Schedule?.StartTime ?? '?'}, ${campaign?.Schedule?.Frequency ?? '?'}`);
  const runs = activities?.Item ?? [];
  if (runs.length === 0) io.out('  no runs yet');
  for (const run of runs) {
    io.out(`  run ${run.Id} ${run.State ?? ''}: ${run.TotalEndpointCount ?? 0} endpoints, ${run.SuccessfulEndpointCount ?? 0} handed to the function`
      + `${run.Start ? `, ${run.Start}` : ''}${run.End ? ` to ${run.End}` : ''}`);
  }
  const outcomes = await reportedOutcomes(aws, logGroupName, campaignId, days);
  const count = (field: string) => outcomes[field] ?? '0';
  io.out(`  reported by the function (last ${days} days, ${count('batches')} batches): ${count('delivered')} delivered `
    + `(${count('alreadyDelivered')} of them earlier), ${count('parked')} parked, ${count('failed')} failed, ${count('skipped')} skipped`);
  return 0;
}

async function main(): Promise<void> {
  const readStdin = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  process.exitCode = await runOps(process.argv.slice(2), process.env, {
    readStdin,
    stdinIsTty: Boolean(process.stdin.isTTY),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }, () => ({
    cloudFormation: new CloudFormationClient({}), secretsManager: new SecretsManagerClient({}), pinpoint: new PinpointClient({}), logs: new CloudWatchLogsClient({}),
  }));
}

if (require.main === module) void main();
