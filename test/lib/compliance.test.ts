import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { addComplianceChecks } from '../../lib/app';
import { buildApp } from '../helpers';

interface PluginReport {
  pluginName: string;
  violations: { ruleName: string }[];
  suppressedViolations?: { ruleName: string; acknowledgedId: string; violatingConstructs: { constructPath: string }[] }[];
}

/** Synthesizes with the app's compliance checks and returns the validation report. */
function synthWithChecks(overrides: Record<string, unknown> = {}): PluginReport[] {
  const { app } = buildApp(overrides);
  addComplianceChecks(app);
  const assembly = app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
  return report.pluginReports;
}

const CONFIGURATIONS: [string, Record<string, unknown>][] = [
  ['the default configuration', {}],
  ['an imported secret, key and project', {
    tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123',
    tokenSecretKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    pinpointProjectId: '0123456789abcdef0123456789abcdef',
  }],
  ['the campaign-scoped permission', { invokePermissionScope: 'campaign' }],
  ['alarm notifications by email', { alarmEmail: 'ops@example.com' }],
  ['no idempotency table', { idempotency: false }],
  ['the Messenger channel', { channel: 'messenger' }],
  ['the metrics channel', { channel: 'metrics' }],
  ['no Pinpoint resources', { pinpointEnabled: false }],
  ['queued delivery', { deliveryMode: 'queued', messagesPerSecond: 250, workerConcurrency: 5 }],
  ['WhatsApp through End User Messaging Social', { whatsappApi: 'aws', whatsappOriginationPhoneNumberId: 'phone-number-id-0123456789abcdef0123456789abcdef' }],
  ['the Amazon Connect trigger', { trigger: 'connect', connectInstanceArn: 'arn:aws:connect:eu-west-1:111122223333:instance/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' }],
];

describe.each(CONFIGURATIONS)('compliance checks with %s', (_name, overrides) => {
  test('cdk-nag (AwsSolutions, Serverless) and the built-in CloudFormation validation report no violation', () => {
    // GIVEN the app with cdk-nag registered; WHEN synthesized (which throws on any violation)
    const reports = synthWithChecks(overrides);
    // THEN the report shows no unacknowledged violation from any plugin
    expect(reports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`))).toEqual([]);
  });
});

describe('acknowledgements', () => {
  test('each acknowledgement answers a finding that really fires, on the construct it concerns', () => {
    // GIVEN the acknowledgements turned off
    const acknowledge = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let message = '';
    try {
      // WHEN the app is synthesized with the checks
      synthWithChecks();
    } catch (error) {
      message = (error as Error).message;
    } finally {
      acknowledge.mockRestore();
    }
    // THEN synthesis fails, naming exactly the findings the code acknowledges, on the constructs that acknowledge them
    const findings = [...message.matchAll(/\n\s+(\S+) .*\n\s+Acknowledge with '([^']+)'/g)].map((m) => `${m[2]} @ ${m[1]}`);
    expect(findings.sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*] @ PinpointCustomChannel-Delivery/Delivery/ExecutionRole/DefaultPolicy/Resource',
      'AwsSolutions::AwsSolutions-IAM5[Resource::*] @ PinpointCustomChannel-Delivery/Jobs/Worker/ExecutionRole/DefaultPolicy/Resource',
      'AwsSolutions::AwsSolutions-SMG4 @ PinpointCustomChannel-Delivery/ProviderToken/Resource',
      'CloudFormation-Validate::W3696 @ PinpointCustomChannel-Campaign/CustomChannel/Campaign',
      'CloudFormation-Validate::W3696 @ PinpointCustomChannel-Campaign/CustomChannel/Segment',
      'CloudFormation-Validate::W3696 @ PinpointCustomChannel-Campaign/Project',
      'Serverless::Serverless-LambdaDLQ @ PinpointCustomChannel-Delivery/Delivery/Function/Resource',
      'Serverless::Serverless-LambdaDLQ @ PinpointCustomChannel-Delivery/Jobs/Worker/Function/Resource',
      'Serverless::Serverless-LambdaEventSourceMappingDestination @ PinpointCustomChannel-Delivery/Jobs/Worker/Function/JobQueue/Resource',
      'Serverless::Serverless-SQSRedrivePolicy @ PinpointCustomChannel-Delivery/ParkingQueue/Resource',
    ]);
  });

  test('the Pinpoint end-of-support warning is acknowledged on each Pinpoint resource, not on the stack', () => {
    const reports = synthWithChecks();
    const builtIn = reports.find((r) => r.pluginName === 'CloudFormation Validate');
    const acknowledged = (builtIn?.suppressedViolations ?? []).map((v) => [v.acknowledgedId, v.violatingConstructs[0].constructPath]);
    expect(acknowledged.sort()).toEqual([
      ['CloudFormation-Validate::W3696', 'PinpointCustomChannel-Campaign/CustomChannel/Campaign'],
      ['CloudFormation-Validate::W3696', 'PinpointCustomChannel-Campaign/CustomChannel/Segment'],
      ['CloudFormation-Validate::W3696', 'PinpointCustomChannel-Campaign/Project'],
    ]);
  });
});
