// Decoding the API's heatmap grids: base64 of little-endian float32, row-major, y increasing.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** base64 text -> bytes (native Uint8Array.fromBase64 where there is one, else atob). */
export function base64ToBytes(b64) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** base64 little-endian float32 -> Float32Array. Throws on a length that is not 4·n. */
export function decodeFloat32(b64) {
  const bytes = base64ToBytes(b64);
  if (bytes.length % 4 !== 0) throw new Error(`float32 grid has ${bytes.length} bytes, not a multiple of 4`);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Float32Array -> base64 little-endian float32 (the inverse, used by tests and exports). */
export function encodeFloat32(values) {
  const f = Float32Array.from(values);
  const bytes = new Uint8Array(f.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < f.length; i++) view.setFloat32(4 * i, f[i], true);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}
