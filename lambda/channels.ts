/** Names shared by the function and the CDK app (no imports on purpose: the app loads this at synth). */

/** The channels a deployment can be. */
export const CHANNELS = ['whatsapp', 'messenger', 'metrics'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The function publishes its EMF metrics under these; the stack's alarms read them. */
export const SERVICE_NAME = 'pinpoint-custom-channel';
export const METRICS_NAMESPACE = 'PinpointCustomChannel';
