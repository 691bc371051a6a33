import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as pinpoint from 'aws-cdk-lib/aws-pinpoint';
import { Construct } from 'constructs';
import { STACK_OUTPUT } from '../lambda/contract';
import type { PinpointConfig } from './config';
import { CustomChannelCampaign } from './constructs/custom-channel-campaign';
import { acknowledgePinpointEndOfSupport } from './constructs/pinpoint-end-of-support';

export interface CampaignStackProps extends StackProps {
  /** The delivery function, usually from a DeliveryStack. Only its ARN crosses the stack boundary. */
  readonly deliveryFunction: IFunction;

  /**
   * The delivery function's role. When given, it may report outcomes to this project with
   * `mobiletargeting:PutEvents`, and to nothing else.
   *
   * @default - no reporting permission
   */
  readonly deliveryRole?: iam.IRole;

  /** The Pinpoint project and sample campaign settings. */
  readonly pinpoint: PinpointConfig;

  /**
   * The campaign's `Limits.MessagesPerSecond`: the rate the phone number (or Page) receives.
   *
   * @default - Pinpoint's own default
   */
  readonly messagesPerSecond?: number;
}

/**
 * The Pinpoint side: the project (created, or imported by id), the permission for the
 * project's campaigns to invoke the delivery function, and a sample segment and campaign.
 * It depends on the delivery stack; the delivery stack does not depend on it.
 */
export class CampaignStack extends Stack {
  public readonly applicationId: string;
  public readonly customChannel: CustomChannelCampaign;

  constructor(scope: Construct, id: string, props: CampaignStackProps) {
    super(scope, id, props);

    this.applicationId = props.pinpoint.existingProjectId ?? this.createProject();

    this.customChannel = new CustomChannelCampaign(this, 'CustomChannel', {
      applicationId: this.applicationId,
      deliveryFunction: props.deliveryFunction,
      messageData: props.pinpoint.messageData,
      endpointTypes: props.pinpoint.endpointTypes,
      paused: props.pinpoint.paused,
      schedule: props.pinpoint.schedule,
      invokePermissionScope: props.pinpoint.invokePermissionScope,
      messagesPerSecond: props.messagesPerSecond,
    });

    if (props.deliveryRole) this.grantOutcomeReporting(props.deliveryRole);

    new CfnOutput(this, STACK_OUTPUT.projectId, { value: this.applicationId });
    new CfnOutput(this, STACK_OUTPUT.segmentId, { value: this.customChannel.segment.attrSegmentId });
    new CfnOutput(this, STACK_OUTPUT.campaignId, { value: this.customChannel.campaign.attrCampaignId });
    new CfnOutput(this, STACK_OUTPUT.campaignArn, { value: this.customChannel.campaign.attrArn });
  }

  /**
   * Lets the delivery function record its outcomes as this project's events. AWS's references name
   * the resource either as the project or as its events; both ARNs are this project's only.
   */
  private grantOutcomeReporting(role: iam.IRole): void {
    const project = this.formatArn({ service: 'mobiletargeting', resource: 'apps', resourceName: this.applicationId });
    new iam.Policy(this, 'ReportOutcomesPolicy', {
      roles: [role],
      statements: [new iam.PolicyStatement({
        sid: 'ReportOutcomesToThisProject',
        actions: ['mobiletargeting:PutEvents'],
        resources: [project, `${project}/events`],
      })],
    });
  }

  private createProject(): string {
    const project = new pinpoint.CfnApp(this, 'Project', { name: this.stackName });
    acknowledgePinpointEndOfSupport(project);
    return project.ref;
  }
}
