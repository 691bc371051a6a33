/** ops status: a campaign's state, its runs, and what the function reported for it. */
import { GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetCampaignActivitiesCommand, GetCampaignCommand } from '@aws-sdk/client-pinpoint';
import { BATCH_SUMMARY_MESSAGE, STACK_OUTPUT } from '../../lambda/contract';
import type { OpsClients, OpsCommand } from '../shared/io';
import { deliveryStack, flags, outputOrPlaceholder, projectId } from '../shared/stacks';
import { CommandError, type FlagValues, UsageError } from '../shared/usage';

const STATUS_HELP = `Usage: npm run ops -- status --campaign ID [--days N] [--project-id ID] [--stack-prefix NAME]

Prints the campaign's state, each of its runs as Pinpoint counts them (endpoints handed to the
function), and what the functions reported over the last N days (default 14): delivered and failed
endpoints (by Pinpoint's function and by the job-queue worker, which sends the queued and retried
ones), queued (for the worker), retrying (failed transiently, back on the job queue) and skipped. Pinpoint has no API that returns the custom events themselves, so those
figures come from the function's own log lines, with a CloudWatch Logs Insights query.`;

/** How long status waits for the Logs Insights query. */
const QUERY_TIMEOUT_MS = 60_000;

/** The function's per-batch summary lines for one campaign, summed. */
export function outcomeQuery(campaignId: string): string {
  return `filter message = "${BATCH_SUMMARY_MESSAGE}" and campaignId = "${campaignId}"\n`
    + '| stats sum(delivered) as delivered, sum(queued) as queued, sum(retrying) as retrying, sum(failed) as failed, sum(skipped) as skipped, '
    + 'sum(alreadyDelivered) as alreadyDelivered, count(*) as batches';
}

async function reportedOutcomes(aws: OpsClients, logGroupNames: string[], campaignId: string, days: number): Promise<Record<string, string>> {
  const endTime = Math.floor(Date.now() / 1000);
  const { queryId } = await aws.logs.send(new StartQueryCommand({
    logGroupNames, startTime: endTime - days * 86_400, endTime, queryString: outcomeQuery(campaignId),
  }));
  const logGroupName = logGroupNames.join(' and ');
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  for (let wait = 200; Date.now() < deadline; wait = Math.min(wait * 2, 2000)) {
    const { status: state, results } = await aws.logs.send(new GetQueryResultsCommand({ queryId }));
    if (state === 'Complete') {
      return Object.fromEntries((results?.[0] ?? []).map((field) => [field.field ?? '', field.value ?? '0']));
    }
    if (state === 'Failed' || state === 'Cancelled' || state === 'Timeout') throw new CommandError(`the Logs Insights query on ${logGroupName} ended ${state}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  throw new CommandError(`the Logs Insights query on ${logGroupName} did not finish within ${QUERY_TIMEOUT_MS / 1000} s`);
}

/**
 * The log groups of Pinpoint's function and of the worker. A stack without a worker (the metrics
 * channel, or one deployed before the job queue) has Pinpoint's alone.
 */
async function functionLogGroups(values: FlagValues, env: NodeJS.ProcessEnv, clients: () => OpsClients): Promise<string[]> {
  const stack = deliveryStack(values, env);
  const delivery = await outputOrPlaceholder(values, clients, stack, STACK_OUTPUT.deliveryLogGroupName);
  try {
    return [delivery, await outputOrPlaceholder(values, clients, stack, STACK_OUTPUT.workerLogGroupName)];
  } catch (error) {
    if (error instanceof CommandError && error.message.includes(`no ${STACK_OUTPUT.workerLogGroupName} output`)) return [delivery];
    throw error;
  }
}

export const status: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, { campaign: { type: 'string' }, days: { type: 'string' }, 'project-id': { type: 'string' } });
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const campaignId = values.campaign as string | undefined;
  if (!campaignId || !/^[0-9a-f]{32}$/.test(campaignId)) throw new UsageError(`--campaign must be a 32-character campaign id (see --help)`);
  const days = Number(values.days ?? 14);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new UsageError(`--days must be a whole number from 1 to 365, got "${values.days}"`);
  const applicationId = await projectId(values, env, clients);
  const requests = { campaign: { ApplicationId: applicationId, CampaignId: campaignId }, activities: { ApplicationId: applicationId, CampaignId: campaignId } };
  const logGroupNames = await functionLogGroups(values, env, clients);
  if (values['dry-run']) {
    io.out(`GetCampaign ${JSON.stringify(requests.campaign)}`);
    io.out(`GetCampaignActivities ${JSON.stringify(requests.activities)}`);
    io.out(`StartQuery ${JSON.stringify({ logGroupNames, days, queryString: outcomeQuery(campaignId) })}`);
    return 0;
  }
  const aws = clients();
  let campaign;
  try {
    ({ CampaignResponse: campaign } = await aws.pinpoint.send(new GetCampaignCommand(requests.campaign)));
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') throw new CommandError(`campaign ${campaignId} was not found in project ${applicationId}`);
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
  const outcomes = await reportedOutcomes(aws, logGroupNames, campaignId, days);
  const count = (field: string) => outcomes[field] ?? '0';
  io.out(`  reported by the functions (last ${days} days, ${count('batches')} batches): ${count('delivered')} delivered `
    + `(${count('alreadyDelivered')} of them earlier), ${count('queued')} queued, ${count('retrying')} retrying, `
    + `${count('failed')} failed, ${count('skipped')} skipped`);
  return 0;
};
