/** What the signed-in user's roles let them do with leads (the API checks again). */
import { hasAnyRole, type SignedInUser } from "../../auth/claims";

export interface LeadPermissions {
  /** Create, edit, work, convert (sales: their own leads, which are all they see). */
  write: boolean;
  import: boolean;
  /** Give leads to other users (and read the user list to pick one). */
  assignOthers: boolean;
}

export function leadPermissions(user: SignedInUser | null): LeadPermissions {
  if (user === null) return { write: false, import: false, assignOthers: false };
  return {
    write: hasAnyRole(user, ["admin", "sales_manager", "sales"]),
    import: hasAnyRole(user, ["admin", "sales_manager", "marketing"]),
    assignOthers: hasAnyRole(user, ["admin", "sales_manager"]),
  };
}
