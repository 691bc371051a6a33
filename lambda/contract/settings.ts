/**
 * The checks of the provider settings that the app (context keys), the function (environment) and
 * the redrive (flags) all accept, so that a value valid in one place is valid in the others.
 */

export interface SettingRule {
  readonly pattern: RegExp;
  /** Completes "expected ...": what a valid value looks like. */
  readonly expected: string;
}

export const SETTING_RULES = {
  graphApiVersion: { pattern: /^v\d+\.\d+$/, expected: 'a Graph API version such as v25.0' },
  whatsappPhoneNumberId: { pattern: /^\d{5,20}$/, expected: 'the numeric WhatsApp Business phone number id from Meta\'s API setup page' },
  whatsappOriginationPhoneNumberId: {
    pattern: /^phone-number-id-[0-9a-zA-Z]{1,64}$/,
    expected: 'the End User Messaging Social id of the linked number, such as phone-number-id-01234567890123456789012345678901',
  },
  messengerPageId: { pattern: /^(me|\d{5,30})$/, expected: '"me" (the Page the token belongs to) or the numeric id of the Facebook Page' },
  messengerPsidAttribute: {
    pattern: /^[\w.:-]{1,50}$/, expected: 'the name of the Pinpoint user attribute that holds each person\'s page-scoped id (PSID)',
  },
  tokenSecretArn: { pattern: /^arn:[\w-]+:secretsmanager:/, expected: 'the ARN of the secret holding {"accessToken":"..."}' },
  idempotencyTableName: { pattern: /^[\w.-]{3,255}$/, expected: 'a DynamoDB table name' },
} as const satisfies Record<string, SettingRule>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why `value` is not a Graph API base URL, or undefined: https, no user name or password (they would
 * land in the template and the logs), no path, query or trailing slash. `allowLoopbackHttp` lets
 * local stand-ins on this machine use http; no other http address is ever sent the token.
 */
export function graphBaseUrlProblem(value: string, allowLoopbackHttp = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  const loopbackHttp = allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return 'must use https';
  if (url.username || url.password) return 'must not hold a user name or password';
  if (url.pathname !== '/' || url.search || url.hash || value.endsWith('/')) return 'must have no path, query or trailing slash';
  return undefined;
}
