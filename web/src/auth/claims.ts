/** What the console reads from its access token (for display and for hiding actions only:
 * the server checks every request itself). */

export type Role = "admin" | "sales_manager" | "sales" | "marketing" | "support" | "viewer" | "integration";

export interface SignedInUser {
  id: string;
  tenant: string;
  name: string;
  roles: readonly string[];
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The user an access token was issued to; null when the token is not a readable JWT. */
export function userFromToken(token: string): SignedInUser | null {
  const payload = token.split(".")[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
    const roles = Array.isArray(claims["roles"]) ? claims["roles"].filter((r): r is string => typeof r === "string") : [];
    const id = typeof claims["sub"] === "string" ? claims["sub"] : "";
    return {
      id,
      tenant: typeof claims["tid"] === "string" ? claims["tid"] : "",
      name: typeof claims["name"] === "string" ? claims["name"] : id,
      roles,
    };
  } catch {
    return null;
  }
}

/** Whether the user holds one of `roles`. */
export function hasAnyRole(user: SignedInUser, roles: readonly Role[]): boolean {
  return user.roles.some((role) => (roles as readonly string[]).includes(role));
}
