import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CampaignStack } from './campaign-stack';
import type { AppConfig } from './config';
import { ConnectStack } from './connect-stack';
import { DeliveryStack } from './delivery-stack';
import { STACK_SUFFIX } from '../lambda/contract';

export interface CustomChannelStacks {
  readonly delivery: DeliveryStack;
  readonly campaign?: CampaignStack;
  readonly connect?: ConnectStack;
}

/** Adds the app's stacks to `app` as `config` describes. Context is read by the caller (bin/). */
export function addCustomChannelStacks(app: App, config: AppConfig): CustomChannelStacks {
  // The metrics channel delivers nothing, so it has no outcomes to report.
  const reportsOutcomes = config.pinpoint !== undefined && config.channel.kind !== 'metrics';
  const delivery = new DeliveryStack(app, `${config.stackNamePrefix}-Delivery`, {
    description: `Pinpoint custom channel (${config.channel.kind}): the function and what it needs`,
    tokenSecret: config.tokenSecret,
    channel: config.channel,
    logRetention: config.logRetention,
    delivery: config.delivery,
    alarms: config.alarms,
    reportOutcomesToPinpoint: reportsOutcomes,
    connect: config.connect,
  });
  const campaign = config.pinpoint && new CampaignStack(app, `${config.stackNamePrefix}-Campaign`, {
    description: 'Pinpoint custom channel: project, invoke permission, sample segment and campaign',
    deliveryFunction: delivery.deliveryFunction,
    deliveryRole: reportsOutcomes ? delivery.executionRole : undefined,
    pinpoint: config.pinpoint,
    // The metrics channel sends nothing, so it has no rate to keep to.
    messagesPerSecond: config.channel.kind === 'metrics' ? undefined : config.delivery.messagesPerSecond,
  });
  const connect = config.connect && new ConnectStack(app, `${config.stackNamePrefix}${STACK_SUFFIX.connect}`, {
    description: 'Custom channel for Amazon Connect outbound campaigns: the permission to invoke the delivery function',
    deliveryFunction: delivery.deliveryFunction,
    connect: config.connect,
  });
  return { delivery, campaign, connect };
}

/**
 * Registers the cdk-nag packs the app is held to. Any finding that is not acknowledged, with a
 * reason, on the construct it concerns stops synthesis.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
