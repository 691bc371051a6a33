/** The Amazon Connect trigger's infrastructure: the invoke permission on a bare stack, and the app with trigger=connect. */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConnectInvokePermission } from '../../lib/constructs/connect-invoke-permission';
import { buildApp, pinpointFunction } from '../helpers';

const INSTANCE_ARN = 'arn:aws:connect:eu-west-1:111122223333:instance/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const CAMPAIGN_ARN = 'arn:aws:connect-campaigns:eu-west-1:111122223333:campaign/5f6a7b8c-9d0e-1f2a-3b4c-5d6e7f8a9b0c';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:delivery';

function bare(): { stack: Stack; fn: lambda.IFunction } {
  const stack = new Stack(undefined, 'Bare', { env: { account: '111122223333', region: 'eu-west-1' } });
  return { stack, fn: lambda.Function.fromFunctionArn(stack, 'Fn', FUNCTION_ARN) };
}

describe('ConnectInvokePermission on a bare stack', () => {
  test('the outbound campaigns principal, every campaign of the instance\'s account and Region, and that account as SourceAccount', () => {
    // GIVEN an imported function; WHEN the permission is added for an instance
    const { stack, fn } = bare();
    new ConnectInvokePermission(stack, 'Permission', { function: fn, instanceArn: INSTANCE_ARN });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction', FunctionName: FUNCTION_ARN, Principal: 'connect-campaigns.amazonaws.com',
      SourceArn: 'arn:aws:connect-campaigns:eu-west-1:111122223333:campaign/*', SourceAccount: '111122223333',
    });
  });

  test('one campaign\'s ARN narrows it to that campaign; the principal can be set', () => {
    const { stack, fn } = bare();
    new ConnectInvokePermission(stack, 'Permission', { function: fn, instanceArn: INSTANCE_ARN, campaignArn: CAMPAIGN_ARN, principal: 'connect.amazonaws.com' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', { SourceArn: CAMPAIGN_ARN, Principal: 'connect.amazonaws.com', SourceAccount: '111122223333' });
  });

  test('a template rule refuses to deploy it into another account or Region than the instance\'s', () => {
    const { stack, fn } = bare();
    new ConnectInvokePermission(stack, 'Permission', { function: fn, instanceArn: INSTANCE_ARN });
    const rules = Template.fromStack(stack).toJSON().Rules as Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }>;
    const [rule] = Object.values(rules);
    expect(rule.Assertions[0].AssertDescription).toBe('connectInstanceArn is in account 111122223333 and Region eu-west-1; deploy to that account and Region');
    expect(JSON.stringify(rule.Assertions[0].Assert)).toContain('AWS::AccountId');
  });

  test.each([
    [{ instanceArn: 'arn:aws:connect:eu-west-1:111122223333:instance/not-an-id' }, 'ConnectInvokePermission instanceArn must be an Amazon Connect instance ARN'],
    [{ instanceArn: INSTANCE_ARN, campaignArn: 'arn:aws:connect-campaigns:eu-west-1:444455556666:campaign/abc' },
      'ConnectInvokePermission campaignArn must be an outbound campaign ARN in the instance\'s account and Region'],
  ])('refuses %j', (props, error) => {
    const { stack, fn } = bare();
    expect(() => new ConnectInvokePermission(stack, 'Permission', { function: fn, ...props })).toThrow(error);
  });
});

describe('the app with trigger=connect', () => {
  // GIVEN the Connect settings; WHEN synthesized
  const stacks = buildApp({ trigger: 'connect', connectInstanceArn: INSTANCE_ARN, connectMessages: { '*': { type: 'text', text: { body: 'Hi {{Profile.FirstName}}' } } } });

  test('a Connect stack holds the permission for the delivery function; there is no Pinpoint stack', () => {
    expect(stacks.campaign).toBeUndefined();
    expect(stacks.connect?.stackName).toBe('PinpointCustomChannel-Connect');
    Template.fromStack(stacks.connect!).hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'connect-campaigns.amazonaws.com', SourceAccount: '111122223333', FunctionName: Match.anyValue(),
    });
  });

  test('the delivery function answers Connect, with the messages and phone fields in its environment, and reports nothing to Pinpoint', () => {
    expect(pinpointFunction(Template.fromStack(stacks.delivery)).Properties.Environment.Variables).toMatchObject({
      TRIGGER: 'connect', CONNECT_MESSAGES: '{"*":{"type":"text","text":{"body":"Hi {{Profile.FirstName}}"}}}',
      CONNECT_PHONE_FIELDS: 'PhoneNumber,MobilePhoneNumber,HomePhoneNumber,BusinessPhoneNumber', REPORT_TO_PINPOINT: 'false',
    });
  });

  test('the delivery stack holds no Connect and no Pinpoint resource: it still deploys on its own', () => {
    const types = Object.values(Template.fromStack(stacks.delivery).toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => /Pinpoint|Connect|Permission/.test(type))).toEqual([]);
  });
});
