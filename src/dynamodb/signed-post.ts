/**
 * Sign, post, and survive credentials that expired in flight: an answer of ExpiredTokenException
 * marks the keys that signed the request spent (CredentialSource.expired) and sends the request
 * once more, signed with new ones. Only once: if the new keys are refused as well, the provider
 * hands out expired keys, and that answer goes back to the caller (DYNAMODB_AUTH, fatal).
 *
 *   sign(keys) ─ post ─┬─ not "expired" ─────────────────────────────▶ answer
 *                      └─ ExpiredTokenException ─ expired(keys) ─ sign(new keys) ─ post ─▶ answer
 *
 * CredentialSource stops signing with keys before they expire, so this is for what it cannot
 * know: a clock behind the server's, keys revoked early, a request queued past the margin.
 */
import { classifyErrorResponse, isExpiredCredentials } from './errors.js';
import type { RequestSigner } from './signer.js';
import type { HttpResult } from './transport.js';

export async function signedPost<Operation extends string>(
  signer: RequestSigner<Operation>,
  operation: Operation,
  body: Uint8Array,
  post: (headers: Record<string, string>) => Promise<HttpResult>,
): Promise<HttpResult> {
  const first = await signer.signRequest(operation, body);
  const res = await post(first.headers);
  if (!refusedAsExpired(res)) return res;
  signer.credentials.expired(first.credentials);
  const again = await signer.signRequest(operation, body);
  return post(again.headers);
}

/** A 400 whose `__type` says the signing keys expired; the body is parsed only when it may. */
function refusedAsExpired(res: HttpResult): boolean {
  return res.status === 400 && res.body.includes('xpired') && isExpiredCredentials(classifyErrorResponse(res.status, res.body));
}
