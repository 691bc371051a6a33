/**
 * ops connect-test: invokes the deployed function with an Amazon Connect outbound campaign event
 * for one profile, as a campaign's custom action would, and prints that profile's result, so that
 * the wiring can be checked before a campaign runs. --dry-run prints the event instead.
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { STACK_OUTPUT } from '../../lambda/contract';
import { maskRecipient } from '../../lambda/domain';
import { normalisePhoneNumber } from '../../lambda/providers/whatsapp';
import { deployedChannel } from '../shared/deployment';
import { attributes } from '../shared/endpoints';
import type { OpsCommand } from '../shared/io';
import { deliveryStack, flags, outputOrPlaceholder } from '../shared/stacks';
import { CommandError, EXIT, UsageError } from '../shared/usage';

const HELP = `Usage: npm run ops -- connect-test --to +15551234567 [--first-name NAME] [--attr Key=Value ...]
    [--campaign-name NAME] [--campaign-id ID] [--function ARN] [--channel whatsapp|messenger] [--stack-prefix NAME] [--dry-run]

Sends one message through the deployed function exactly as an Amazon Connect outbound campaign's
custom action would: an event with one customer profile, whose PhoneNumber is --to (WhatsApp), or
whose attribute messengerPsidAttribute is --to, a PSID (Messenger). --first-name and --attr fill
{{Profile.FirstName}} and {{Profile.Attributes.NAME}}. The message is the one the deployment sends
for the campaign named by --campaign-id or --campaign-name (or its "*" default). Each run has a new
idempotency token, so a repeat sends again. --dry-run prints the event, with the number masked,
and calls no AWS API. Exit code: 0 delivered or queued, 1 otherwise, 2 bad input.`;

export const connectTest: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, {
    to: { type: 'string' }, 'first-name': { type: 'string' }, attr: { type: 'string', multiple: true }, 'campaign-name': { type: 'string' },
    'campaign-id': { type: 'string' }, function: { type: 'string' }, channel: { type: 'string' },
  });
  if (values.help) {
    io.out(HELP);
    return EXIT.ok;
  }
  const functionArn = (values.function as string | undefined) ?? await outputOrPlaceholder(values, clients, deliveryStack(values, env), STACK_OUTPUT.deliveryFunctionArn);
  const deployed = await deployedChannel(values, clients, functionArn);
  if (deployed.channel === 'metrics') throw new UsageError('the deployed function is the metrics channel, which sends nothing');
  const to = typeof values.to === 'string' ? values.to.trim() : '';
  const recipient = deployed.channel === 'whatsapp' ? normalisePhoneNumber(to) : /^\d{5,30}$/.test(to) ? to : undefined;
  if (!recipient) throw new UsageError(deployed.channel === 'whatsapp' ? '--to must be a phone number (E.164, such as +15551234567)' : '--to must be the person\'s PSID (digits)');
  const custom = Object.fromEntries(Object.entries(attributes(values.attr, '--attr') ?? {}).map(([key, list]) => [key, list[0]]));
  const profile = {
    ...(values['first-name'] ? { FirstName: values['first-name'] } : {}),
    ...(deployed.channel === 'whatsapp' ? { PhoneNumber: `+${recipient}` } : {}),
    Attributes: { ...custom, ...(deployed.channel === 'messenger' ? { [deployed.psidAttribute]: recipient } : {}) },
  };
  const runId = `ops-connect-test-${Date.now()}`;
  const event = {
    InvocationMetadata: { CampaignContext: {
      CampaignId: (values['campaign-id'] as string | undefined) ?? runId, RunId: runId, ActionId: 'ops-connect-test',
      CampaignName: (values['campaign-name'] as string | undefined) ?? 'ops connect-test',
    } },
    Items: { CustomerProfiles: [{ ProfileId: 'ops-connect-test', CustomerData: JSON.stringify(profile), IdempotencyToken: randomUUID() }] },
  };
  if (values['dry-run']) {
    // The exact event but for the number: a dry run's output may be pasted anywhere.
    io.out(`Invoke ${JSON.stringify({ FunctionName: functionArn, Payload: event }).split(recipient).join(maskRecipient(recipient))}`);
    return EXIT.ok;
  }
  const response = await clients().lambda.send(new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  const answer = response.Payload ? JSON.parse(new TextDecoder().decode(response.Payload)) : undefined;
  if (response.FunctionError) throw new CommandError(`the function failed: ${answer?.errorType ?? response.FunctionError}: ${answer?.errorMessage ?? ''}`.trim());
  const result = answer?.Items?.CustomerProfiles?.[0]?.ResultData as Record<string, string> | undefined;
  if (!result) throw new CommandError('the function did not answer in Connect\'s shape: is it deployed with trigger=connect?');
  const detail = [result.messageId && `message id ${result.messageId}`, result.errorCode, result.reason].filter(Boolean).join(', ');
  io.out(`connect test to ${maskRecipient(recipient)}: ${result.status}${detail ? ` (${detail})` : ''}`);
  return result.status === 'delivered' || result.status === 'queued' ? EXIT.ok : EXIT.failed;
};
