import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, normalisedTemplate } from '../helpers';

const PROJECT_ID = '0123456789abcdef0123456789abcdef';

function campaignStack(overrides: Record<string, unknown> = {}) {
  const { campaign } = buildApp(overrides);
  if (!campaign) throw new Error('expected a campaign stack');
  return Template.fromStack(campaign);
}

/** The source ARN the permission must carry, as CloudFormation will join it (a literal id is folded in). */
function projectCampaignsArn(applicationId: string | { Ref: string }) {
  const tail = typeof applicationId === 'string' ? [`:apps/${applicationId}/campaigns/*`] : [':apps/', applicationId, '/campaigns/*'];
  return {
    'Fn::Join': ['', [
      'arn:', { Ref: 'AWS::Partition' }, ':mobiletargeting:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ...tail,
    ]],
  };
}

describe('CampaignStack with the default configuration', () => {
  // GIVEN the configuration in cdk.json; WHEN the campaign stack is synthesized
  const template = campaignStack();
  const logicalId = (type: string) => Object.keys(template.findResources(type))[0];

  test('matches the snapshot (asset hashes normalised)', () => {
    expect(normalisedTemplate(template)).toMatchSnapshot();
  });

  test('creates a Pinpoint project', () => {
    template.resourceCountIs('AWS::Pinpoint::App', 1);
  });

  test('the invoke permission is keyed on this project\'s campaigns, the regional principal and the account', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: { 'Fn::Join': ['', ['pinpoint.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      SourceArn: projectCampaignsArn({ Ref: logicalId('AWS::Pinpoint::App') }),
      SourceAccount: { Ref: 'AWS::AccountId' },
      FunctionName: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'PinpointCustomChannel-Delivery' }) }),
    });
  });

  test('the segment selects CUSTOM endpoints', () => {
    template.hasResourceProperties('AWS::Pinpoint::Segment', {
      ApplicationId: { Ref: logicalId('AWS::Pinpoint::App') },
      Dimensions: { Demographic: { Channel: { DimensionType: 'INCLUSIVE', Values: ['CUSTOM'] } } },
    });
  });

  test('the campaign delivers through the function, is paused, and waits for the permission', () => {
    template.hasResource('AWS::Pinpoint::Campaign', {
      DependsOn: [logicalId('AWS::Lambda::Permission')],
      Properties: Match.objectLike({
        IsPaused: true,
        SegmentId: { 'Fn::GetAtt': [logicalId('AWS::Pinpoint::Segment'), 'SegmentId'] },
        CustomDeliveryConfiguration: {
          DeliveryUri: Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'PinpointCustomChannel-Delivery' }) }),
          EndpointTypes: ['CUSTOM'],
        },
        Schedule: { StartTime: 'IMMEDIATE', Frequency: 'ONCE' },
      }),
    });
  });

  test('the campaign carries the message the function expects, as a JSON string', () => {
    const [campaign] = Object.values(template.findResources('AWS::Pinpoint::Campaign'));
    const data = JSON.parse(campaign.Properties.MessageConfiguration.CustomMessage.Data);
    expect(data).toEqual({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
  });

  test('the delivery role may report outcomes with PutEvents to this project only', () => {
    const project = (suffix: string) => ({
      'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':mobiletargeting:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
        ':apps/', { Ref: logicalId('AWS::Pinpoint::App') }, ...(suffix ? [suffix] : []),
      ]],
    });
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Sid: 'ReportOutcomesToThisProject', Effect: 'Allow', Action: 'mobiletargeting:PutEvents', Resource: [project('/events'), project('')] }],
      },
      Roles: [Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'PinpointCustomChannel-Delivery' }) })],
    });
  });

  test('outputs the campaign id and ARN from GetAtt, not Ref', () => {
    const campaignId = logicalId('AWS::Pinpoint::Campaign');
    template.hasOutput('CampaignId', { Value: { 'Fn::GetAtt': [campaignId, 'CampaignId'] } });
    template.hasOutput('CampaignArn', { Value: { 'Fn::GetAtt': [campaignId, 'Arn'] } });
  });
});

describe('CampaignStack with an imported project and configured campaign', () => {
  // GIVEN an existing project id, other endpoint types, an unpaused recurring schedule
  const template = campaignStack({
    pinpointProjectId: PROJECT_ID,
    endpointTypes: 'CUSTOM,SMS',
    campaignPaused: 'false',
    whatsappPhoneNumberId: '109876543210987',
    campaignFrequency: 'DAILY',
    campaignStartTime: '2027-01-04T09:00:00Z',
    campaignEndTime: '2027-02-04T09:00:00Z',
  });

  test('creates no project and scopes the permission to the imported one', () => {
    template.resourceCountIs('AWS::Pinpoint::App', 0);
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: projectCampaignsArn(PROJECT_ID) });
  });

  test('the segment and campaign follow the configuration', () => {
    template.hasResourceProperties('AWS::Pinpoint::Segment', {
      ApplicationId: PROJECT_ID,
      Dimensions: { Demographic: { Channel: { DimensionType: 'INCLUSIVE', Values: ['CUSTOM', 'SMS'] } } },
    });
    template.hasResourceProperties('AWS::Pinpoint::Campaign', {
      ApplicationId: PROJECT_ID,
      IsPaused: false,
      CustomDeliveryConfiguration: Match.objectLike({ EndpointTypes: ['CUSTOM', 'SMS'] }),
      Schedule: { StartTime: '2027-01-04T09:00:00Z', EndTime: '2027-02-04T09:00:00Z', Frequency: 'DAILY' },
    });
  });
});

describe('CampaignStack with the permission narrowed to the sample campaign (second deploy)', () => {
  // GIVEN invokePermissionScope=campaign; WHEN synthesized
  const template = campaignStack({ invokePermissionScope: 'campaign' });
  const campaignId = Object.keys(template.findResources('AWS::Pinpoint::Campaign'))[0];

  test('the permission names the campaign\'s own ARN and still carries the account', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      SourceArn: { 'Fn::GetAtt': [campaignId, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  test('the campaign no longer waits for the permission (which now waits for it), so there is no cycle', () => {
    template.hasResource('AWS::Pinpoint::Campaign', { DependsOn: Match.absent() });
  });

  test('the narrow permission has a different logical id, so CloudFormation adds it before removing the wide one', () => {
    const wide = Object.keys(campaignStack().findResources('AWS::Lambda::Permission'));
    const narrow = Object.keys(template.findResources('AWS::Lambda::Permission'));
    expect(narrow).not.toEqual(wide);
  });
});

describe('pinpointEnabled=false', () => {
  test('synthesizes the delivery stack alone', () => {
    // GIVEN Pinpoint switched off; WHEN the app is built
    const { app, campaign } = buildApp({ pinpointEnabled: 'false' });
    // THEN there is one stack and no Pinpoint resource anywhere
    expect(campaign).toBeUndefined();
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['PinpointCustomChannel-Delivery']);
    expect(JSON.stringify(assembly.stacks[0].template)).not.toContain('AWS::Pinpoint::');
  });

  test('turns outcome reporting off in the function', () => {
    const { delivery } = buildApp({ pinpointEnabled: 'false' });
    Template.fromStack(delivery).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_TO_PINPOINT: 'false' }) },
    });
  });
});

describe('stackNamePrefix', () => {
  test('names both stacks, so several deployments can live side by side', () => {
    const { delivery, campaign } = buildApp({ stackNamePrefix: 'Shop-EU' });
    expect([delivery.stackName, campaign?.stackName]).toEqual(['Shop-EU-Delivery', 'Shop-EU-Campaign']);
  });
});
