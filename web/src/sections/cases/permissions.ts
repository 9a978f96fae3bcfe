/** Which case actions a user's roles allow (to hide the others; the API decides). */
import { hasAnyRole, type Role, type SignedInUser } from "../../auth/claims";

const CASE_WRITERS: readonly Role[] = ["admin", "support"];

/** Whether the user may open, resolve and otherwise change cases. */
export function canWriteCases(user: SignedInUser): boolean {
  return hasAnyRole(user, CASE_WRITERS);
}
