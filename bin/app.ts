#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addComplianceChecks, addCustomChannelStacks } from '../lib/app';
import { checkContextKeys, ConfigError, parseConfig } from '../lib/config';

const app = new App();
try {
  checkContextKeys(Object.keys(app.node.getAllContext()));
  const config = parseConfig((key) => app.node.tryGetContext(key));
  addCustomChannelStacks(app, config);
  if (config.complianceChecks) addComplianceChecks(app);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
