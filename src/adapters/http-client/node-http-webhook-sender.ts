import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type RequestOptions } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isForbiddenDestination, parseIp } from '../../domain/ip-ranges';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../../ports/webhook-sender';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

class RefusedDestination extends Error {
  readonly code = 'ERR_WEBHOOK_DESTINATION_REFUSED';
  constructor(
    message: string,
    readonly privateAddress: boolean,
  ) {
    super(message);
  }
}

/**
 * Node's http/https with the SSRF guard inside the connection: the socket's `lookup` resolves the
 * host, refuses when any address is loopback, private, link-local, metadata and the like, and hands
 * the socket exactly the addresses it checked, so a DNS answer that changes between check and
 * connect (rebinding) can't slip through. Literal IPs skip lookup, so they are checked up front.
 * Runs on every attempt; redirects are not followed.
 */
export class NodeHttpWebhookSender implements WebhookSender {
  private readonly resolve: Resolver;

  constructor(private readonly options: { allowPrivate: boolean; resolve?: Resolver; maxResponseBytes?: number }) {
    this.resolve = options.resolve ?? systemResolver;
  }

  async post(request: WebhookRequest): Promise<WebhookResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { kind: 'refused', reason: 'invalid URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'refused', reason: `scheme ${url.protocol} is not allowed` };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (parseIp(host)) {
      const forbidden = isForbiddenDestination(host, this.options.allowPrivate);
      if (forbidden) return { kind: 'refused', reason: `${host} is a ${forbidden} address`, privateAddress: forbidden !== 'invalid' };
    }
    return new Promise<WebhookResponse>((settle) => {
      let done = false;
      const finish = (result: WebhookResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        settle(result);
      };
      const options: RequestOptions = {
        method: 'POST',
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
        agent: false,
        lookup: this.checkedLookup(),
      };
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, options, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > (this.options.maxResponseBytes ?? 64 * 1024)) res.destroy();
        });
        res.on('close', () => finish({ kind: 'response', status: res.statusCode ?? 0 }));
        res.on('error', () => finish({ kind: 'response', status: res.statusCode ?? 0 }));
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish({ kind: 'error', message: `no answer within ${request.timeoutMs} ms` });
      }, request.timeoutMs);
      req.on('error', (error: Error) => {
        const cause = error instanceof RefusedDestination ? error : (error as { cause?: unknown }).cause;
        if (cause instanceof RefusedDestination) finish({ kind: 'refused', reason: cause.message, privateAddress: cause.privateAddress });
        else finish({ kind: 'error', message: error.message });
      });
      req.end(request.body);
    });
  }

  private checkedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const family = typeof options === 'object' && options ? options.family : undefined;
          const usable = addresses.filter((a) => !family || a.family === family);
          if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
          for (const a of usable) {
            const forbidden = isForbiddenDestination(a.address, this.options.allowPrivate);
            if (forbidden) return callback(new RefusedDestination(`${hostname} resolves to ${a.address}, a ${forbidden} address`, forbidden !== 'invalid'), '', 4);
          }
          if (typeof options === 'object' && options?.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
          callback(null, usable[0]!.address, usable[0]!.family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
      );
    };
  }
}
