/** Who may change campaigns, segments and automations (to hide the controls; the API decides). */
import { hasAnyRole, type Role, type SignedInUser } from "../../auth/claims";

const MARKETING_WRITERS: readonly Role[] = ["admin", "marketing"];

/** Whether the user may create and change campaigns, segments and automations. */
export function canWriteMarketing(user: SignedInUser | null): boolean {
  return user !== null && hasAnyRole(user, MARKETING_WRITERS);
}
