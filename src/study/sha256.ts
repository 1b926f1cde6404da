// SHA-256 of bytes as hex, through Web Crypto (browsers, Node >= 20, Deno): the provenance's
// file identity (src/probe/provenance.ts hashes with node:crypto, the same digest).
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
