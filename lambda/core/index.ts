/**
 * The delivery core. It knows nothing of Lambda, AWS or any one trigger: adapters come in through
 * `DeliveryDeps`, and it imports nothing but the domain and the contract.
 */
export { mapConcurrent } from './concurrency';
export { type Pacer, type PacerOptions, TokenPacer } from './pacing';
export { DEFAULT_SETTINGS, type DeliveryDeps, type DeliverySettings } from './deps';
export { DEFAULT_REQUEUE_POLICY, type JobHistory, requeueDelaySeconds, type RequeuePolicy, toJobMessage } from './jobs';
export { deliveryKey } from './keys';
export { deliver, type DeliverySummary, enqueue, logUnrecorded, type PipelineOutcome, reject, type SummaryFields } from './pipeline';
export { renderTemplate, type RenderResult } from './render';
export { failed, skipped } from './results';
export { backoffDelay, DEFAULT_RETRY_POLICY, fitsBeforeDeadline, type RetryPolicy, systemClock } from './retry';
export { sendJobs, type SendCounters, type SendJobsResult } from './sender';
export { report } from './settle';
