import { Arn, ArnFormat, Aws, CfnRule, Fn } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * The service principal of Amazon Connect outbound campaigns: the principal its service-linked role
 * (AWSServiceRoleForConnectCampaigns) trusts, per the Amazon Connect administrator guide, "Use
 * service-linked roles for Amazon Connect" (connect-slr.html). The page on invoking Lambda
 * functions from a campaign (lambda-invoke-functions.html) could not be read to the end when this
 * was written, so the principal is a setting (connectInvokePrincipal): see the README.
 */
export const CONNECT_CAMPAIGNS_PRINCIPAL = 'connect-campaigns.amazonaws.com';

/** An Amazon Connect instance ARN: `arn:<partition>:connect:<region>:<account>:instance/<instance id>`. */
export const CONNECT_INSTANCE_ARN = /^arn:aws(-cn|-us-gov)?:connect:[a-z]{2}(-[a-z]+)+-\d:\d{12}:instance\/[0-9a-f-]{36}$/;

/**
 * An outbound campaign ARN, as the Service Authorization Reference gives its resource type
 * ("Actions, resources, and condition keys for Amazon Connect Outbound Campaigns"):
 * `arn:${Partition}:connect-campaigns:${Region}:${Account}:campaign/${CampaignId}`.
 */
export const CONNECT_CAMPAIGN_ARN = /^arn:aws(-cn|-us-gov)?:connect-campaigns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:campaign\/[A-Za-z0-9-]{1,256}$/;

export interface ConnectInvokePermissionProps {
  /** The function the campaigns' custom action invokes. */
  readonly function: lambda.IFunction;

  /** The ARN of the Amazon Connect instance whose outbound campaigns may invoke the function. */
  readonly instanceArn: string;

  /**
   * The one campaign allowed to invoke the function. A campaign's ARN does not name its instance,
   * so without it the scope is every outbound campaign of the instance's account and Region.
   *
   * @default - `arn:<partition>:connect-campaigns:<region>:<account>:campaign/*` of the instance's account and Region
   */
  readonly campaignArn?: string;

  /**
   * The principal outbound campaigns invoke the function as.
   *
   * @default CONNECT_CAMPAIGNS_PRINCIPAL
   */
  readonly principal?: string;
}

/**
 * The `lambda:InvokeFunction` resource policy that lets an Amazon Connect outbound campaign's custom
 * action call the function: the outbound campaigns principal, a `connect-campaigns` source ARN and
 * the instance's account, so that no other account's campaign can use the function (confused
 * deputy). A template rule refuses an instance of another account or Region before anything is
 * created. Like the Pinpoint permission, it lives beside what it names, not in the function's stack.
 */
export class ConnectInvokePermission extends Construct {
  public readonly permission: lambda.CfnPermission;
  /** The source ARN the permission is scoped to. */
  public readonly sourceArn: string;

  constructor(scope: Construct, id: string, props: ConnectInvokePermissionProps) {
    super(scope, id);
    if (!CONNECT_INSTANCE_ARN.test(props.instanceArn)) {
      throw new Error(`ConnectInvokePermission instanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>), got "${props.instanceArn}"`);
    }
    const instance = Arn.split(props.instanceArn, ArnFormat.SLASH_RESOURCE_NAME);
    if (props.campaignArn !== undefined) {
      const campaign = CONNECT_CAMPAIGN_ARN.test(props.campaignArn) ? Arn.split(props.campaignArn, ArnFormat.SLASH_RESOURCE_NAME) : undefined;
      if (!campaign || campaign.region !== instance.region || campaign.account !== instance.account) {
        throw new Error(`ConnectInvokePermission campaignArn must be an outbound campaign ARN in the instance's account and Region `
          + `(arn:aws:connect-campaigns:${instance.region}:${instance.account}:campaign/<id>), got "${props.campaignArn}"`);
      }
    }
    this.sourceArn = props.campaignArn ?? `arn:${instance.partition}:connect-campaigns:${instance.region}:${instance.account}:campaign/*`;
    this.permission = new lambda.CfnPermission(this, 'Resource', {
      action: 'lambda:InvokeFunction',
      functionName: props.function.functionArn,
      principal: props.principal ?? CONNECT_CAMPAIGNS_PRINCIPAL,
      sourceArn: this.sourceArn,
      sourceAccount: instance.account,
    });
    new CfnRule(this, 'InstanceInStackAccountAndRegion', {
      assertions: [{
        assert: Fn.conditionAnd(Fn.conditionEquals(instance.account!, Aws.ACCOUNT_ID), Fn.conditionEquals(instance.region!, Aws.REGION)),
        assertDescription: `connectInstanceArn is in account ${instance.account} and Region ${instance.region}; deploy to that account and Region`,
      }],
    });
  }
}
