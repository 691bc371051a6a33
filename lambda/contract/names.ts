/**
 * Names shared by the CDK app (lib/), the function (lambda/) and the operator commands (cli/).
 * No imports on purpose: the app loads this at synth, and a name spelled once cannot drift.
 */

/** The channels a deployment can be. */
export const CHANNELS = ['whatsapp', 'messenger', 'metrics'] as const;
export type Channel = (typeof CHANNELS)[number];
/** The channel of a deployment that does not choose one. */
export const DEFAULT_CHANNEL: Channel = 'whatsapp';
/** The channels that send messages (the metrics channel only counts endpoints). */
export type DeliveryChannel = Exclude<Channel, 'metrics'>;

/** The function publishes its EMF metrics under these; the stack's alarms read them. */
export const SERVICE_NAME = 'pinpoint-custom-channel';
export const METRICS_NAMESPACE = 'PinpointCustomChannel';
/** The metrics channel's namespace, as in AWS's custom-channel example. */
export const EXECUTION_NAMESPACE = 'PinpointCustomChannelExecution';

/** Metric names the functions publish per batch. Alarms use `Failed`, `UnsavedFailures` and `Throttled`. */
export const METRIC = {
  delivered: 'Delivered',
  failed: 'Failed',
  skipped: 'Skipped',
  /** Transient failures of Pinpoint's invocation handed to the job queue, for the worker to retry at pace. */
  retrying: 'Retrying',
  /** Failures that neither the job queue nor its dead-letter queue took: they can only be resent by hand. */
  unsaved: 'UnsavedFailures',
  reportFailed: 'ReportFailed',
  alreadyDelivered: 'AlreadyDelivered',
  retried: 'Retried',
  throttled: 'Throttled',
  endpointCount: 'EndpointCount',
  batchDuration: 'BatchDuration',
  /** Jobs put on the job queue (queued mode). */
  queued: 'Queued',
  /** The worker's: jobs dead-lettered, dropped as expired, and refused as malformed. */
  deadLettered: 'DeadLettered',
  expired: 'Expired',
  malformedJobs: 'MalformedJobs',
  /** Requests the worker made; with Throttled, the throttled share. */
  requests: 'Requests',
} as const;

/**
 * What invokes the delivery function: a Pinpoint campaign (its custom channel) or an Amazon Connect
 * outbound campaign (its custom action, with a batch of customer profiles).
 */
export const TRIGGERS = ['pinpoint', 'connect'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** How WhatsApp messages leave: Meta's Graph API with a token, or AWS End User Messaging Social with IAM. */
export const WHATSAPP_APIS = ['graph', 'aws'] as const;
export type WhatsAppApi = (typeof WHATSAPP_APIS)[number];

/** The Customer Profiles fields a WhatsApp recipient is taken from, in this order, unless configured otherwise. */
export const DEFAULT_CONNECT_PHONE_FIELDS = ['PhoneNumber', 'MobilePhoneNumber', 'HomePhoneNumber', 'BusinessPhoneNumber'] as const;

/** In a Connect message map, the message for a campaign the map does not name. */
export const CONNECT_DEFAULT_MESSAGE_KEY = '*';

/** How Pinpoint's invocation delivers: it sends (direct), or it enqueues jobs for the worker (queued). */
export const DELIVERY_MODES = ['direct', 'queued'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** WhatsApp's default throughput per phone number; Meta raises it up to 1,000 for upgraded numbers. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
export const MAX_MESSAGES_PER_SECOND = 1000;
/** Workers receiving from the job queue at once (the event source mapping's maximum concurrency; SQS allows 2 to 1,000). */
export const DEFAULT_WORKER_CONCURRENCY = 2;
/** Receives after which the worker dead-letters a job that still fails transiently, with its last error. */
export const DEFAULT_MAX_RECEIVES = 8;

/**
 * The message of the summary log line `ops status` queries: Pinpoint's function writes one per
 * batch, the worker one per campaign of each batch of jobs, each with the campaign's ids.
 */
export const BATCH_SUMMARY_MESSAGE = 'Batch finished';

/** Per channel-type group, the metric names of AWS's custom-channel example. */
export const CHANNEL_TYPE_METRIC = {
  CUSTOM: 'CustomCount', SMS: 'SMSCount', EMAIL: 'EmailCount', VOICE: 'VoiceCount', PUSH: 'PushCount',
} as const;
export type ChannelTypeGroup = keyof typeof CHANNEL_TYPE_METRIC;

/** The function's environment: the stack writes these, lambda/config.ts reads them, the redrive falls back to them. */
export const ENV = {
  channel: 'CHANNEL',
  tokenSecretArn: 'TOKEN_SECRET_ARN',
  tokenCacheSeconds: 'TOKEN_CACHE_SECONDS',
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  maxConcurrency: 'MAX_CONCURRENCY',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  maxAttempts: 'MAX_ATTEMPTS',
  reportToPinpoint: 'REPORT_TO_PINPOINT',
  graphApiVersion: 'GRAPH_API_VERSION',
  graphApiBaseUrl: 'GRAPH_API_BASE_URL',
  whatsappPhoneNumberId: 'WHATSAPP_PHONE_NUMBER_ID',
  /** `graph` (Meta's Cloud API, with the token) or `aws` (End User Messaging Social, with IAM). */
  whatsappApi: 'WHATSAPP_API',
  whatsappOriginationPhoneNumberId: 'WHATSAPP_ORIGINATION_PHONE_NUMBER_ID',
  messengerPageId: 'MESSENGER_PAGE_ID',
  messengerPsidAttribute: 'MESSENGER_PSID_ATTRIBUTE',
  deliveryMode: 'DELIVERY_MODE',
  trigger: 'TRIGGER',
  /** JSON: campaign id or name (or `*`) to the message a Connect campaign sends. */
  connectMessages: 'CONNECT_MESSAGES',
  /** Comma-separated Customer Profiles fields a WhatsApp recipient is taken from, in order. */
  connectPhoneFields: 'CONNECT_PHONE_FIELDS',
  jobQueueUrl: 'JOB_QUEUE_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** The rate the phone number (or Page) receives, across all workers. */
  messagesPerSecond: 'MESSAGES_PER_SECOND',
  workerConcurrency: 'WORKER_CONCURRENCY',
  maxReceives: 'MAX_RECEIVES',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** Stack outputs the operator commands look up by name. */
export const STACK_OUTPUT = {
  tokenSecretArn: 'TokenSecretArn',
  deliveryFunctionArn: 'DeliveryFunctionArn',
  deliveryFunctionName: 'DeliveryFunctionName',
  deliveryLogGroupName: 'DeliveryLogGroupName',
  jobQueueUrl: 'JobQueueUrl',
  jobDeadLetterQueueUrl: 'JobDeadLetterQueueUrl',
  workerFunctionName: 'WorkerFunctionName',
  workerLogGroupName: 'WorkerLogGroupName',
  idempotencyTableName: 'IdempotencyTableName',
  projectId: 'ProjectId',
  segmentId: 'SegmentId',
  campaignId: 'CampaignId',
  campaignArn: 'CampaignArn',
} as const;

/** The stacks' names are `<stackNamePrefix><suffix>`. */
export const DEFAULT_STACK_NAME_PREFIX = 'PinpointCustomChannel';
export const STACK_SUFFIX = { delivery: '-Delivery', campaign: '-Campaign', connect: '-Connect' } as const;
export const STACK_NAME_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,100}$/;

/** Meta's Graph API, as the function calls it unless configured otherwise. */
export const DEFAULT_GRAPH_API_VERSION = 'v25.0';
export const DEFAULT_GRAPH_API_BASE_URL = 'https://graph.facebook.com';
/** The Pinpoint user attribute holding the person's page-scoped id, as in AWS's Messenger example. */
export const DEFAULT_PSID_ATTRIBUTE = 'facebookMessengerPsid';
/** `me`: the Page the token belongs to. */
export const DEFAULT_MESSENGER_PAGE_ID = 'me';

/** Pinpoint sends at most 50 endpoints per invocation. */
export const MAX_ENDPOINTS = 50;
/** Pinpoint's limit on a campaign's CustomMessage.Data. */
export const MAX_DATA_BYTES = 5 * 1024;
/** How long a delivery is remembered: longer than the queues' 14 days of retention, so a redrive is covered. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 15 * 24 * 3600;
