import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ConnectConfig } from './config-connect';
import { ConnectInvokePermission } from './constructs/connect-invoke-permission';

export interface ConnectStackProps extends StackProps {
  /** The delivery function, usually from a DeliveryStack. Only its ARN crosses the stack boundary. */
  readonly deliveryFunction: IFunction;

  /** The Connect instance, the optional campaign and the invoke principal. */
  readonly connect: ConnectConfig;
}

/**
 * The Amazon Connect side: only the permission for the instance's outbound campaigns to invoke the
 * delivery function. The instance, its Customer Profiles domain and the campaign are made in the
 * console (see the README); the delivery stack depends on none of them.
 */
export class ConnectStack extends Stack {
  public readonly permission: ConnectInvokePermission;

  constructor(scope: Construct, id: string, props: ConnectStackProps) {
    super(scope, id, props);
    this.permission = new ConnectInvokePermission(this, 'InvokePermission', {
      function: props.deliveryFunction,
      instanceArn: props.connect.instanceArn,
      campaignArn: props.connect.campaignArn,
      principal: props.connect.invokePrincipal,
    });
    new CfnOutput(this, 'InvokeSourceArn', {
      value: this.permission.sourceArn,
      description: 'The outbound campaigns that may invoke the delivery function',
    });
  }
}
