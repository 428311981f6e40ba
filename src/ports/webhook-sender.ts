export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * An HTTP answer (any status), a destination refused before connecting, or a transport failure.
 * `privateAddress` marks a refusal for a loopback, private, link-local or similar address, which
 * a deployment may choose to allow.
 */
export type WebhookResponse =
  | { kind: 'response'; status: number }
  | { kind: 'refused'; reason: string; privateAddress?: boolean }
  | { kind: 'error'; message: string };

/** POSTs one webhook delivery. Never throws: every outcome is a value the worker records. */
export interface WebhookSender {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}
