import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * aws-cdk-lib's built-in CloudFormation validation warns (W3696) on every Pinpoint resource
 * because Amazon Pinpoint reached end of support on 2026-10-30. Building these resources is the
 * purpose of the campaign stack, so each one acknowledges the warning itself: a new kind of
 * resource added later still gets the warning until someone decides the same for it.
 */
export function acknowledgePinpointEndOfSupport(resource: IConstruct): void {
  Validations.of(resource).acknowledge({
    id: 'CloudFormation-Validate::W3696',
    reason: 'Amazon Pinpoint reached end of support on 2026-10-30; this resource is created on purpose for '
      + 'accounts that still have Pinpoint access. The delivery stack does not depend on it, and the README '
      + 'states the notice and how to deploy without Pinpoint (pinpointEnabled=false).',
  });
}
