import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addCustomChannelStacks, CustomChannelStacks } from '../lib/app';
import { parseConfig } from '../lib/config';

/** The context users get from cdk.json: tests start from the same defaults. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

/** The time the tests' configurations are parsed at, so that their campaign times never fall into the past. */
export const CONFIG_NOW = Date.parse('2026-11-01T00:00:00Z');

/** A lookup over cdk.json's context with `overrides` applied, as `-c key=value` would. */
export function contextLookup(overrides: Record<string, unknown> = {}): (key: string) => unknown {
  const context = { ...CDK_JSON_CONTEXT, ...overrides };
  return (key) => context[key];
}

export interface SynthesizedApp extends CustomChannelStacks {
  readonly app: App;
}

/**
 * Builds the app exactly as bin/app.ts does, from cdk.json's context plus `overrides`. The functions
 * are not bundled unless `bundle` is set: each bundle costs esbuild's start, the templates name the
 * code by a hash the snapshots normalise, and the bundle tests build their own.
 */
export function buildApp(overrides: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): SynthesizedApp {
  const context = { ...CDK_JSON_CONTEXT, ...overrides, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  const app = new App({ context });
  return { app, ...addCustomChannelStacks(app, parseConfig((key) => app.node.tryGetContext(key), CONFIG_NOW)) };
}

/**
 * The template with asset hashes replaced, so that a change to the function's code does not
 * churn the infrastructure snapshots; the bundle is tested on its own.
 */
export function normalisedTemplate(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '[ASSET_HASH]'));
}

/** The Pinpoint function of a delivery stack's template (the stack also holds the job-queue worker). */
export function pinpointFunction(template: Template): { Properties: Record<string, any> } {
  const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('DeliveryFunction')).map(([, value]) => value);
  if (!fn) throw new Error('no Pinpoint function (DeliveryFunction...) in the template');
  return fn as { Properties: Record<string, any> };
}

/** The IAM statements of the policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements<S>(template: Template, rolePrefix: string): S[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref?: string }[]).some((role) => role.Ref?.startsWith(rolePrefix)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as S[]);
}
