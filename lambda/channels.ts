/** The channels a deployment can be (shared by the function and the CDK app; no imports on purpose). */
export const CHANNELS = ['whatsapp', 'messenger', 'metrics'] as const;
export type Channel = (typeof CHANNELS)[number];
