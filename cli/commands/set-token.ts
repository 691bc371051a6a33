/** ops set-token: the provider token, read from standard input, into the deployed secret. */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { STACK_OUTPUT } from '../../lambda/contract';
import type { OpsCommand } from '../shared/io';
import { deployedChannel } from '../shared/deployment';
import type { OpsClients } from '../shared/io';
import { deliveryStack, flags, outputOrPlaceholder } from '../shared/stacks';
import { CommandError, type FlagValues, UsageError } from '../shared/usage';

const SET_TOKEN_HELP = `Usage: printf '%s' "$TOKEN" | npm run ops -- set-token [--secret-arn ARN] [--stack-prefix NAME] [--dry-run]

Reads the token from standard input, never from an argument, so that it does not land in your shell
history, and stores it in the deployed secret as {"accessToken": "..."}. The secret is the delivery
stack's TokenSecretArn output, unless --secret-arn names another. The function picks the new token up
within 5 minutes, or at once when the provider rejects the old one. A deployment that sends WhatsApp
through AWS End User Messaging Social (whatsappApi=aws) has no token: IAM authorises it.`;

export const setToken: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, { 'secret-arn': { type: 'string' } });
  if (values.help) {
    io.out(SET_TOKEN_HELP);
    return 0;
  }
  const explicitArn = values['secret-arn'] as string | undefined;
  if (explicitArn !== undefined && !/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(explicitArn)) {
    throw new UsageError(`--secret-arn must be the ARN of a Secrets Manager secret, got "${explicitArn}"`);
  }
  if (io.stdinIsTty) io.err('Paste the token, then press Enter and Ctrl-D:');
  const token = (await io.readStdin()).trim();
  if (token === '') throw new UsageError('no token on standard input: pipe it in, for example printf \'%s\' "$TOKEN" | npm run ops -- set-token');
  if (/^["'{[]/.test(token)) {
    throw new UsageError('standard input holds JSON or a quoted string; pipe in the bare token, which is stored as {"accessToken": "..."} '
      + '(from a JSON file: jq -r .accessToken token.json | npm run ops -- set-token)');
  }
  if (/\s/.test(token)) throw new UsageError('the token on standard input contains white space; a Meta access token is one word');

  const secretArn = explicitArn ?? await deployedSecret(values, env, clients);
  const request = { SecretId: secretArn, SecretString: JSON.stringify({ accessToken: token }) };
  if (values['dry-run']) {
    // The exact request, with the token itself left out: a dry run's output may be pasted anywhere.
    io.out(`PutSecretValue ${JSON.stringify({ ...request, SecretString: `{"accessToken":"<the ${token.length} characters read from standard input>"}` })}`);
    return 0;
  }
  const { VersionId: versionId } = await clients().secretsManager.send(new PutSecretValueCommand(request));
  io.out(`Stored the token in ${secretArn} (version ${versionId}). The function uses it within 5 minutes, `
    + 'or at once if the provider rejects the token it has.');
  return 0;
};

/** The delivery stack's secret; a stack without one says why when it is an End User Messaging Social deployment. */
async function deployedSecret(values: FlagValues, env: NodeJS.ProcessEnv, clients: () => OpsClients): Promise<string> {
  const stack = deliveryStack(values, env);
  try {
    return await outputOrPlaceholder(values, clients, stack, STACK_OUTPUT.tokenSecretArn);
  } catch (error) {
    if (!(error instanceof CommandError) || !error.message.includes(`no ${STACK_OUTPUT.tokenSecretArn} output`)) throw error;
    const deployed = await deployedChannel(values, clients, await outputOrPlaceholder(values, clients, stack, STACK_OUTPUT.deliveryFunctionArn));
    if (deployed.whatsappApi === 'aws') {
      throw new UsageError('this deployment sends WhatsApp through AWS End User Messaging Social (whatsappApi=aws): IAM authorises it, and it has no token to set');
    }
    throw error;
  }
}
