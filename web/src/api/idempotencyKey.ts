/** Keys for `Idempotency-Key`: a retried create is done once. `crypto.randomUUID` exists only
 * in secure contexts (HTTPS, localhost); random bytes work on plain HTTP too. */

/** 128 random bits as 32 hex digits. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
