import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface PinpointInvokePermissionProps {
  /** The custom-channel function Pinpoint may invoke. */
  readonly function: lambda.IFunction;

  /** Id of the Pinpoint project whose campaigns may invoke the function. */
  readonly applicationId: string;

  /**
   * ARN of the one campaign allowed to invoke the function. AWS documents that a campaign can
   * only be created while a wider policy is in place, so narrow to a campaign only once it exists.
   *
   * @default - every campaign of the project: `arn:<partition>:mobiletargeting:<region>:<account>:apps/<applicationId>/campaigns/*`
   */
  readonly campaignArn?: string;
}

/**
 * The `lambda:InvokeFunction` resource policy that lets one Pinpoint project's campaigns
 * call the function: the regional Pinpoint principal, a `mobiletargeting` source ARN and the
 * account, so no other account's project can use the function (confused deputy).
 *
 * It is created in the scope it is defined in, not in the function's stack: the function's
 * stack then needs nothing from Pinpoint and can be deployed on its own.
 */
export class PinpointInvokePermission extends Construct {
  public readonly permission: lambda.CfnPermission;
  /** The source ARN the permission is scoped to. */
  public readonly sourceArn: string;

  constructor(scope: Construct, id: string, props: PinpointInvokePermissionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!Token.isUnresolved(props.applicationId) && !/^[0-9a-f]{32}$/.test(props.applicationId)) {
      throw new Error(`PinpointInvokePermission applicationId must be a 32-character Pinpoint project id, got "${props.applicationId}"`);
    }
    this.sourceArn = props.campaignArn ?? stack.formatArn({
      service: 'mobiletargeting',
      resource: 'apps',
      resourceName: `${props.applicationId}/campaigns/*`,
    });
    this.permission = new lambda.CfnPermission(this, 'Resource', {
      action: 'lambda:InvokeFunction',
      functionName: props.function.functionArn,
      // The regional principal, as AWS's custom-channel guide uses it.
      principal: `pinpoint.${stack.region}.amazonaws.com`,
      sourceArn: this.sourceArn,
      sourceAccount: stack.account,
    });
  }
}
