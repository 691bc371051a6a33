/** The message `ops send` builds, for the channel the function was deployed for, checked as the function checks it. */
import { type DeliveryChannel, channelMessageProblem, MAX_DATA_BYTES } from '../../lambda/contract';
import type { FlagValues } from './usage';
import { UsageError } from './usage';

export const MESSAGE_FLAGS = {
  template: { type: 'string' }, language: { type: 'string' }, param: { type: 'string', multiple: true }, text: { type: 'string' },
} as const;

/** The campaign's Data for `channel` from the flags, or a UsageError naming what is wrong. */
export function messageData(channel: DeliveryChannel, values: FlagValues): string {
  const message = channel === 'whatsapp' ? whatsAppTemplate(values) : messengerText(values);
  const problem = channelMessageProblem(channel, message);
  if (problem) throw new UsageError(`the message ${problem}`);
  const data = JSON.stringify(message);
  const bytes = new TextEncoder().encode(data).length;
  if (bytes > MAX_DATA_BYTES) throw new UsageError(`the message is ${bytes} bytes; Pinpoint allows ${MAX_DATA_BYTES}`);
  return data;
}

function whatsAppTemplate(values: FlagValues): Record<string, unknown> {
  if (values.text !== undefined) throw new UsageError('--text is for Messenger; WhatsApp sends a template (--template NAME)');
  const template = values.template as string | undefined;
  if (!template || !/^[a-z0-9_]{1,512}$/.test(template)) throw new UsageError('--template must be the template\'s name (lower case letters, digits and _)');
  const language = (values.language as string | undefined) ?? 'en_US';
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw new UsageError(`--language must be a language code such as en_US, got "${language}"`);
  const params = (values.param as string[] | undefined) ?? [];
  const empty = params.findIndex((text) => text.trim() === '');
  // WhatsApp refuses an empty template parameter; better to say so before anything is created.
  if (empty >= 0) throw new UsageError(`--param number ${empty + 1} is empty; WhatsApp refuses empty template parameters`);
  return {
    type: 'template',
    template: {
      name: template,
      language: { code: language },
      ...(params.length > 0 ? { components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }] } : {}),
    },
  };
}

function messengerText(values: FlagValues): Record<string, unknown> {
  if (values.template !== undefined || values.param !== undefined) throw new UsageError('--template and --param are for WhatsApp; Messenger sends --text');
  const text = (values.text as string | undefined)?.trim();
  if (!text) throw new UsageError('--text is required: the Messenger message to send');
  return { messaging_type: 'UPDATE', message: { text } };
}
