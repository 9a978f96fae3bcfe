/** Which actions of these screens a user's roles allow (to hide the others; the API decides). */
import { hasAnyRole, type Role, type SignedInUser } from "../../auth/claims";
import type { Activity } from "./types";

const ACTIVITY_WRITERS: readonly Role[] = ["admin", "sales_manager", "sales", "support"];
const ALL_ACTIVITY_WRITERS: readonly Role[] = ["admin", "sales_manager", "support"];

/** Whether the user may log activities (sales: as their own). */
export function canLogActivities(user: SignedInUser): boolean {
  return hasAnyRole(user, ACTIVITY_WRITERS);
}

/** Whether the user may complete this task (sales only their own ones). */
export function canCompleteTask(user: SignedInUser, task: Pick<Activity, "owner_id">): boolean {
  return hasAnyRole(user, ALL_ACTIVITY_WRITERS) || (hasAnyRole(user, ["sales"]) && task.owner_id === user.id);
}
