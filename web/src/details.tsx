import { getBytes, type Blob } from './api';
import { ErrorText, Loading } from './components';
import { bytes, when } from './format';
import { useAsync } from './hooks';

/** The most of a details object the page decompresses and shows; the download has it all. */
export const DETAILS_SHOWN_BYTES = 256 * 1024;

export interface DetailsText {
  text: string;
  /** Parsed as JSON and pretty-printed. */
  json: boolean;
  /** Longer than DETAILS_SHOWN_BYTES: `text` is its beginning. */
  cut: boolean;
}

/**
 * Gunzips at most `limit` bytes of a gzip stream, then stops reading, so a small download that
 * inflates to gigabytes costs the page no more than the limit.
 */
export async function inflatePrefix(gzip: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; cut: boolean }> {
  // DOM typings have its writable side take BufferSource, which a byte stream is.
  const gunzip = new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>;
  const reader = gzip.pipeThrough(gunzip).getReader();
  const out = new Uint8Array(limit);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: out.subarray(0, size), cut: false };
    const room = limit - size;
    out.set(value.subarray(0, room), size);
    size += Math.min(room, value.length);
    if (value.length > room) {
      await reader.cancel();
      return { bytes: out, cut: true };
    }
  }
}

/** Pretty JSON when the whole object is there and parses; otherwise the text as it is. */
export function detailsText(inflated: { bytes: Uint8Array; cut: boolean }, limit: number): DetailsText {
  // stream: true holds back a character cut in half at the limit instead of showing U+FFFD.
  const raw = new TextDecoder('utf-8').decode(inflated.bytes, { stream: inflated.cut });
  if (!inflated.cut) {
    try {
      const pretty = JSON.stringify(JSON.parse(raw), null, 2);
      return pretty.length > limit ? { text: pretty.slice(0, limit), json: true, cut: true } : { text: pretty, json: true, cut: false };
    } catch {
      // Not JSON: shown as text.
    }
  }
  return { text: raw, json: false, cut: inflated.cut };
}

async function loadDetails(appId: string, hash: string, blob: Blob): Promise<DetailsText> {
  // Through the API rather than the signed URL: same origin for every blob store, so the page's
  // connect-src stays 'self' (an S3 URL is another origin, and would need that bucket's CORS too).
  const res = await getBytes(`/reports/groups/${encodeURIComponent(hash)}/blobs/${encodeURIComponent(blob.id)}`, { app: appId });
  if (!res.body) throw new Error('The details came back empty.');
  try {
    return detailsText(await inflatePrefix(res.body, DETAILS_SHOWN_BYTES), DETAILS_SHOWN_BYTES);
  } catch (error) {
    throw new Error(`These details could not be decompressed (${(error as Error).message}). The download has the file as stored.`);
  }
}

/** A details object as text: a text node in a <pre>, never markup, whatever it holds. */
export function DetailsViewer({ appId, hash, blob }: { appId: string; hash: string; blob: Blob }) {
  const details = useAsync(() => loadDetails(appId, hash, blob), [appId, hash, blob.id]);
  const title = `Details received ${when(blob.created_at)}`;
  return (
    <div class="details">
      <h3 id="details-shown">{title}</h3>
      {details.loading && !details.data && <Loading what="the details" />}
      <ErrorText error={details.error} />
      {details.data && (
        <>
          <p class="muted small">
            {details.data.json ? 'JSON, indented for reading.' : 'As sent, shown as text.'}{' '}
            {details.data.cut
              ? `Showing the first ${bytes(DETAILS_SHOWN_BYTES)} of ${bytes(blob.storage.decompressed_size)}: download the file for the rest.`
              : `${bytes(blob.storage.decompressed_size)} decompressed; the page shows up to ${bytes(DETAILS_SHOWN_BYTES)}.`}
          </p>
          <pre class="details-text" tabIndex={0} aria-labelledby="details-shown">
            {details.data.text}
          </pre>
        </>
      )}
    </div>
  );
}
