/**
 * The context keys of the Amazon Connect trigger, checked at synth with the function's own checks:
 * the instance (and optionally one campaign) that may invoke the function, the messages, and the
 * profile fields a WhatsApp number is taken from.
 */
import {
  type ConnectMessages, connectMessageProblem, CONNECT_DEFAULT_MESSAGE_KEY, DEFAULT_CONNECT_PHONE_FIELDS, type DeliveryChannel, parseConnectMessages,
  parseMessageData, PROFILE_FIELD,
} from '../lambda/contract';
import { ConfigError, type ContextLookup, isUnset, parseJsonOr, readOptionalString, readString } from './config-readers';
import { CONNECT_CAMPAIGN_ARN, CONNECT_CAMPAIGNS_PRINCIPAL, CONNECT_INSTANCE_ARN } from './constructs/connect-invoke-permission';

export interface ConnectConfig {
  /** The Amazon Connect instance whose outbound campaigns invoke the function. */
  readonly instanceArn: string;
  /** The one campaign allowed to invoke it; undefined for every campaign of the instance's account and Region. */
  readonly campaignArn?: string;
  /** Campaign id or name (or `*`) to the message it sends. */
  readonly messages: ConnectMessages;
  /** The Customer Profiles fields a WhatsApp number is taken from, in order. */
  readonly phoneFields: string[];
  /** The principal outbound campaigns invoke the function as. */
  readonly invokePrincipal: string;
}

/**
 * The function's whole environment may hold 4 KB (a Lambda quota); the message map gets most of it,
 * and the rest is left to the other settings.
 */
export const MAX_CONNECT_MESSAGES_BYTES = 3000;

const PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** The Connect settings; `defaultMessage` is the channel's sample, sent when neither connectMessages nor campaignMessage is set. */
export function parseConnectConfig(lookup: ContextLookup, channel: DeliveryChannel, defaultMessage: object): ConnectConfig {
  const instanceArn = readOptionalString(lookup, 'connectInstanceArn', CONNECT_INSTANCE_ARN,
    'the ARN of your Amazon Connect instance (arn:aws:connect:<region>:<account>:instance/<instance id>)');
  if (!instanceArn) {
    throw new ConfigError('connectInstanceArn', 'the ARN of your Amazon Connect instance (arn:aws:connect:<region>:<account>:instance/<instance id>), '
      + 'because trigger is connect', undefined);
  }
  const [, , , region, account] = instanceArn.split(':');
  const campaignArn = readOptionalString(lookup, 'connectCampaignArn', CONNECT_CAMPAIGN_ARN,
    `the ARN of one outbound campaign (arn:aws:connect-campaigns:${region}:${account}:campaign/<campaign id>)`);
  if (campaignArn && !campaignArn.includes(`:connect-campaigns:${region}:${account}:`)) {
    throw new ConfigError('connectCampaignArn', `a campaign in the instance's Region ${region} and account ${account}`, campaignArn);
  }
  return {
    instanceArn,
    campaignArn,
    messages: readMessages(lookup, channel, defaultMessage),
    phoneFields: readPhoneFields(lookup),
    invokePrincipal: readString(lookup, 'connectInvokePrincipal', CONNECT_CAMPAIGNS_PRINCIPAL, PRINCIPAL, 'an AWS service principal such as connect-campaigns.amazonaws.com'),
  };
}

/** connectMessages, or campaignMessage (or the sample) as the one message of every campaign. */
function readMessages(lookup: ContextLookup, channel: DeliveryChannel, defaultMessage: object): ConnectMessages {
  const map = lookup('connectMessages');
  let messages: ConnectMessages;
  if (!isUnset(map)) {
    const parsed = parseConnectMessages(map, channel);
    if (!parsed.ok) throw new ConfigError('connectMessages', `a JSON object of campaign id or name (or "${CONNECT_DEFAULT_MESSAGE_KEY}") to the ${channel} message it sends; it ${parsed.problem}`, map);
    messages = parsed.messages;
  } else {
    const single = lookup('campaignMessage');
    const data = isUnset(single) ? { ok: true as const, message: defaultMessage as never } : parseMessageData(typeof single === 'string' ? single : JSON.stringify(single));
    if (!data.ok) throw new ConfigError('campaignMessage', `a JSON object holding the ${channel} message the function sends; ${data.problem}`, single);
    const problem = connectMessageProblem(channel, data.message);
    if (problem) throw new ConfigError('campaignMessage', `a ${channel} message a customer profile can fill; it ${problem}`, single);
    messages = { [CONNECT_DEFAULT_MESSAGE_KEY]: data.message };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(messages)).length;
  if (bytes > MAX_CONNECT_MESSAGES_BYTES) {
    throw new ConfigError(isUnset(map) ? 'campaignMessage' : 'connectMessages',
      `messages of at most ${MAX_CONNECT_MESSAGES_BYTES} bytes in all (they travel in the function's environment, which Lambda limits to 4 KB); they are ${bytes} bytes`,
      isUnset(map) ? lookup('campaignMessage') : '(the map)');
  }
  return messages;
}

function readPhoneFields(lookup: ContextLookup): string[] {
  const value = lookup('connectPhoneFields');
  if (isUnset(value)) return [...DEFAULT_CONNECT_PHONE_FIELDS];
  const expected = 'a non-empty list of Customer Profiles field names (a JSON array or comma-separated), such as ["PhoneNumber","MobilePhoneNumber"]';
  let list: unknown = value;
  if (typeof value === 'string') {
    list = value.trim().startsWith('[') ? parseJsonOr(value, () => { throw new ConfigError('connectPhoneFields', expected, value); })
      : value.split(',').map((item) => item.trim());
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((field) => typeof field !== 'string' || !PROFILE_FIELD.test(field))) {
    throw new ConfigError('connectPhoneFields', expected, value);
  }
  return [...new Set(list as string[])];
}
