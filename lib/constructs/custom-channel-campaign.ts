import { Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as pinpoint from 'aws-cdk-lib/aws-pinpoint';
import { Construct } from 'constructs';
import { parseMessageData } from '../../lambda/contract';
import { acknowledgePinpointEndOfSupport } from './pinpoint-end-of-support';
import { PinpointInvokePermission } from './pinpoint-invoke-permission';

/** Endpoint types a custom-channel campaign may target (AWS::Pinpoint::Campaign CustomDeliveryConfiguration). */
export const ENDPOINT_TYPES = [
  'ADM', 'APNS', 'APNS_SANDBOX', 'APNS_VOIP', 'APNS_VOIP_SANDBOX', 'BAIDU', 'CUSTOM', 'EMAIL', 'GCM', 'SMS', 'VOICE',
] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

export const CAMPAIGN_FREQUENCIES = ['ONCE', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'] as const;
export type CampaignFrequency = (typeof CAMPAIGN_FREQUENCIES)[number];

/** Which campaigns may invoke the delivery function. See the README's two-step deploy. */
export const INVOKE_PERMISSION_SCOPES = ['project', 'campaign'] as const;
export type InvokePermissionScope = (typeof INVOKE_PERMISSION_SCOPES)[number];

export function isEndpointType(value: unknown): value is EndpointType {
  return typeof value === 'string' && (ENDPOINT_TYPES as readonly string[]).includes(value);
}

export interface CustomChannelCampaignSchedule {
  /**
   * When the campaign starts: `IMMEDIATE` or an ISO 8601 time.
   *
   * @default 'IMMEDIATE'
   */
  readonly startTime?: string;

  /**
   * How often the campaign runs.
   *
   * @default 'ONCE'
   */
  readonly frequency?: CampaignFrequency;

  /**
   * When a recurring campaign ends, as an ISO 8601 time. Required unless `frequency` is `ONCE`.
   *
   * @default - no end time
   */
  readonly endTime?: string;
}

export interface CustomChannelCampaignProps {
  /** Id of the Pinpoint project the segment and campaign belong to. */
  readonly applicationId: string;

  /** The function that delivers the campaign's messages. */
  readonly deliveryFunction: lambda.IFunction;

  /**
   * The campaign's `CustomMessage.Data`: the JSON message the delivery function sends,
   * at most 5 KB. Pinpoint passes it unchanged in each invocation's `Data`.
   */
  readonly messageData: string;

  /**
   * Endpoint types the campaign sends to. The segment selects the same types.
   *
   * @default ['CUSTOM']
   */
  readonly endpointTypes?: EndpointType[];

  /**
   * Whether the campaign is created paused. Paused by default so that a deploy never
   * messages real people until someone resumes the campaign on purpose.
   *
   * @default true
   */
  readonly paused?: boolean;

  /**
   * The campaign's schedule.
   *
   * @default - starts immediately (once resumed), runs once
   */
  readonly schedule?: CustomChannelCampaignSchedule;

  /**
   * Which campaigns may invoke the function. `campaign` narrows the permission to this
   * campaign's ARN, which only works once the campaign exists: deploy with `project` first.
   *
   * @default 'project'
   */
  readonly invokePermissionScope?: InvokePermissionScope;

  /**
   * The most messages per second the campaign hands to the function (Pinpoint's `Limits.MessagesPerSecond`,
   * 1 to 20,000): the rate the phone number (or Page) can take.
   *
   * @default - Pinpoint's own default
   */
  readonly messagesPerSecond?: number;

  /**
   * Display name of the segment and campaign. Pinpoint identifies them by id, so names need not be unique.
   *
   * @default - the stack name
   */
  readonly name?: string;
}

/**
 * A sample custom-channel campaign: a segment of the chosen endpoint types, a campaign that
 * delivers through the function, and the permission that lets Pinpoint invoke it, created in
 * the order Pinpoint needs.
 */
export class CustomChannelCampaign extends Construct {
  public readonly segment: pinpoint.CfnSegment;
  public readonly campaign: pinpoint.CfnCampaign;
  public readonly invokePermission: PinpointInvokePermission;

  constructor(scope: Construct, id: string, props: CustomChannelCampaignProps) {
    super(scope, id);
    const endpointTypes = props.endpointTypes ?? ['CUSTOM'];
    validateProps(props, endpointTypes);
    const name = props.name ?? Stack.of(this).stackName;
    const scopeMode = props.invokePermissionScope ?? 'project';

    this.segment = new pinpoint.CfnSegment(this, 'Segment', {
      applicationId: props.applicationId,
      name: `${name} endpoints`,
      dimensions: {
        demographic: { channel: { dimensionType: 'INCLUSIVE', values: endpointTypes } },
      },
    });

    this.campaign = new pinpoint.CfnCampaign(this, 'Campaign', {
      applicationId: props.applicationId,
      name,
      description: 'Sample custom-channel campaign. Created paused unless configured otherwise.',
      segmentId: this.segment.attrSegmentId,
      isPaused: props.paused ?? true,
      schedule: {
        startTime: props.schedule?.startTime ?? 'IMMEDIATE',
        frequency: props.schedule?.frequency ?? 'ONCE',
        endTime: props.schedule?.endTime,
      },
      customDeliveryConfiguration: {
        deliveryUri: props.deliveryFunction.functionArn,
        endpointTypes,
      },
      limits: props.messagesPerSecond === undefined ? undefined : { messagesPerSecond: props.messagesPerSecond },
      messageConfiguration: {
        customMessage: { data: props.messageData },
      },
    });

    if (scopeMode === 'campaign') {
      // Created after the campaign, because it names the campaign's ARN. Its construct id differs
      // from the project-wide one so that CloudFormation adds the narrow statement before removing the wide one.
      this.invokePermission = new PinpointInvokePermission(this, 'CampaignInvokePermission', {
        function: props.deliveryFunction,
        applicationId: props.applicationId,
        campaignArn: this.campaign.attrArn,
      });
    } else {
      // Pinpoint checks that it may invoke the function when the campaign is created.
      this.invokePermission = new PinpointInvokePermission(this, 'InvokePermission', {
        function: props.deliveryFunction,
        applicationId: props.applicationId,
      });
      this.campaign.addResourceDependency(this.invokePermission.permission, 'Pinpoint may only create the campaign once it may invoke the function');
    }

    acknowledgePinpointEndOfSupport(this.segment);
    acknowledgePinpointEndOfSupport(this.campaign);
  }
}

function validateProps(props: CustomChannelCampaignProps, endpointTypes: readonly string[]): void {
  if (endpointTypes.length === 0 || !endpointTypes.every(isEndpointType)) {
    throw new Error(`CustomChannelCampaign endpointTypes must be a non-empty list of ${ENDPOINT_TYPES.join(', ')}; got ${JSON.stringify(endpointTypes)}`);
  }
  const rate = props.messagesPerSecond;
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 20_000)) {
    throw new Error(`CustomChannelCampaign messagesPerSecond must be a whole number from 1 to 20000, got ${rate}`);
  }
  const data = parseMessageData(props.messageData);
  if (!data.ok) throw new Error(`CustomChannelCampaign messageData cannot be a campaign's message: ${data.problem}`);
}
