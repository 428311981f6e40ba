// A device id as faynoSync takes it: any text that isn't blank once trimmed. We add a cap in bytes,
// so an id can't cost more than a short hash input. Ids are never stored: they feed rate-limit
// keys only as pseudonyms and sketches only inside an HMAC, so any character is safe there.

export const DEVICE_ID_MAX_BYTES = 256;
export const DEVICE_ID_RULE = `a device id is 1 to ${DEVICE_ID_MAX_BYTES} bytes of UTF-8 after trimming whitespace`;

export type DeviceIdCheck = { ok: true; id: string } | { ok: false; code: 'missing_device_id' | 'invalid_device_id' };

const NON_ASCII = /[^\x00-\x7f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A device id from a JSON string (a relay's batch): trimmed, then held to the rule. */
export function checkDeviceId(value: unknown): DeviceIdCheck {
  if (value === undefined || value === null) return { ok: false, code: 'missing_device_id' };
  if (typeof value !== 'string') return { ok: false, code: 'invalid_device_id' };
  const id = value.trim();
  if (id === '') return { ok: false, code: 'missing_device_id' };
  const bytes = NON_ASCII.test(id) ? Buffer.byteLength(id, 'utf8') : id.length;
  return bytes > DEVICE_ID_MAX_BYTES ? { ok: false, code: 'invalid_device_id' } : { ok: true, id };
}

/**
 * A device id from the X-Device-ID header. Node hands a header over as Latin-1, one character per
 * byte: bytes that are UTF-8 are read as UTF-8, so the id equals the same id sent in a relay's
 * JSON; other bytes stay Latin-1, which is what fetch() sends for characters up to U+00FF.
 */
export function deviceIdFromHeader(raw: string | undefined): DeviceIdCheck {
  if (raw === undefined || !NON_ASCII.test(raw)) return checkDeviceId(raw);
  const bytes = Buffer.from(raw, 'latin1');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = raw;
  }
  return checkDeviceId(text);
}
