/**
 * What the outbound campaign gets back: one entry per profile, in the order of the event.
 *
 * AWS's page ("Invoke Lambda functions", "Expected Response Payload") begins the response with
 * `{"Items": {"CustomerProfiles": [{"Id": ...`; the rest of that section could not be read when this
 * was written. `ResultData` follows an Amazon sample that answers Connect this way; its fields are
 * ours, all strings. README "Amazon Connect outbound campaigns" says the same.
 */
import type { EndpointResult } from '../../domain';

export interface ConnectProfileResult {
  /** The profile's ProfileId. */
  readonly Id: string;
  readonly ResultData: Readonly<Record<string, string>>;
}

export interface ConnectResponse {
  readonly Items: { readonly CustomerProfiles: ConnectProfileResult[] };
}

/** One entry per result; a result's endpoint id is its profile's id. */
export function toConnectResponse(results: readonly EndpointResult[]): ConnectResponse {
  return {
    Items: {
      CustomerProfiles: results.map((result) => {
        const data: Record<string, string> = { status: result.status, attempts: String(result.attempts) };
        if (result.messageId) data.messageId = result.messageId;
        if (result.errorCode) data.errorCode = result.errorCode;
        if (result.reason) data.reason = result.reason.slice(0, 200);
        if (result.retryable !== undefined) data.retryable = String(result.retryable);
        return { Id: result.endpointId, ResultData: data };
      }),
    },
  };
}
