// Parts of a k6 response body (bytes) as base64 or text, made by k6 in Go. k6 has no
// TextDecoder, and decoding in JavaScript (String.fromCharCode over the bytes) costs far more per
// byte; k6/encoding's b64encode is k6's one native way from bytes to a string, and b64decode's
// string form the way back to text. A Uint8Array reaches b64encode as a view of the body, not a
// copy (k6 v1.8.1 takes it as a Go []byte).
import encoding from 'k6/encoding';
import type { ByteCodec } from '../../lib/footer-bytes';

function base64(body: ArrayBuffer, from: number, to: number): string {
  return encoding.b64encode(new Uint8Array(body, from, to - from) as unknown as ArrayBuffer, 'rawstd');
}

export const k6ByteCodec: ByteCodec = {
  base64,
  text: (body, from, to) => encoding.b64decode(base64(body, from, to), 'rawstd', 's'),
};
