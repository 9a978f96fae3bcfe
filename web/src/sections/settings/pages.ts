/** The settings pages and who may read and change each (the role table of the API, used to
 * hide what a role cannot use; the API decides). */
import { hasAnyRole, type Role, type SignedInUser } from "../../auth/claims";

export type SettingsPageKey = "users" | "apiKeys" | "webhooks" | "scoring" | "pipelines" | "targets";

export interface SettingsPage {
  key: SettingsPageKey;
  /** The path under /settings. */
  path: string;
  readers: readonly Role[];
  writers: readonly Role[];
}

const ADMIN: readonly Role[] = ["admin"];
const MANAGERS: readonly Role[] = ["admin", "sales_manager"];

export const SETTINGS_PAGES: readonly SettingsPage[] = [
  { key: "users", path: "users", readers: MANAGERS, writers: ADMIN },
  { key: "apiKeys", path: "api-keys", readers: ADMIN, writers: ADMIN },
  { key: "webhooks", path: "webhooks", readers: ADMIN, writers: ADMIN },
  { key: "scoring", path: "scoring", readers: ADMIN, writers: ADMIN },
  { key: "pipelines", path: "pipelines", readers: MANAGERS, writers: MANAGERS },
  { key: "targets", path: "targets", readers: MANAGERS, writers: MANAGERS },
];

/** Every role that may open some settings page (the section's roles). */
export const SETTINGS_ROLES: readonly Role[] = [...new Set(SETTINGS_PAGES.flatMap((page) => page.readers))];

/** The settings pages `user` may open, in navigation order. */
export function visiblePages(user: SignedInUser): SettingsPage[] {
  return SETTINGS_PAGES.filter((page) => hasAnyRole(user, page.readers));
}

/** Whether `user` may change what the page `key` shows. */
export function canWrite(user: SignedInUser | null, key: SettingsPageKey): boolean {
  const page = SETTINGS_PAGES.find((candidate) => candidate.key === key);
  return user !== null && page !== undefined && hasAnyRole(user, page.writers);
}
