/** The console's sections, in navigation order, who may see each one, and their screens. */
import type { ComponentType } from "react";

import { hasAnyRole, type Role, type SignedInUser } from "../auth/claims";
import { SETTINGS_ROLES } from "../sections/settings/pages";

export type SectionKey = "dashboard" | "leads" | "contacts" | "accounts" | "pipeline" | "cases" | "campaigns" | "settings";

export interface Section {
  key: SectionKey;
  path: string;
  /** Only these roles see the section (absent: every signed-in user). */
  roles?: readonly Role[];
  /**
   * The section's screens, loaded when the section is first opened: a component that
   * routes the paths under `path` itself (`<Routes>`) and brings its own strings (see
   * `i18n/sectionStrings.ts`). Absent: the dashboard, which is the index route itself.
   */
  screens?: () => Promise<{ default: ComponentType }>;
}

export const SECTIONS: readonly Section[] = [
  { key: "dashboard", path: "/" },
  { key: "leads", path: "/leads", screens: () => import("../sections/leads/Screens") },
  { key: "contacts", path: "/contacts", screens: () => import("../sections/contacts/Screens") },
  { key: "accounts", path: "/accounts", screens: () => import("../sections/accounts/Screens") },
  { key: "pipeline", path: "/pipeline", screens: () => import("../sections/pipeline/Screens") },
  { key: "cases", path: "/cases", screens: () => import("../sections/cases/Screens") },
  { key: "campaigns", path: "/campaigns", screens: () => import("../sections/campaigns/Screens") },
  { key: "settings", path: "/settings", roles: SETTINGS_ROLES, screens: () => import("../sections/settings/Screens") },
];

/** The sections `user` may open. */
export function visibleSections(user: SignedInUser): Section[] {
  return SECTIONS.filter((section) => section.roles === undefined || hasAnyRole(user, section.roles));
}
