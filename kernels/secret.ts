import { randomBytes } from 'node:crypto';

/** A random URL-safe secret (256 bits) for tokens Lathe hands to servers it starts. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
