/** The settings pages the user's roles open, as a sub-navigation. */
import { NavLink } from "react-router";

import type { SignedInUser } from "../../auth/claims";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { visiblePages } from "./pages";
import { STRINGS } from "./strings";

export function SettingsNav({ user }: { user: SignedInUser }) {
  const { t } = useSectionStrings("settings", STRINGS);
  return (
    <nav className="settings-nav" aria-label={t("nav.label")}>
      <ul>
        {visiblePages(user).map((page) => (
          <li key={page.key}>
            <NavLink to={`/settings/${page.path}`}>{t(`nav.${page.key}`)}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
