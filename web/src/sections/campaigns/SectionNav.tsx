/** The section's own navigation: campaigns, segments, automations. */
import { NavLink } from "react-router";

import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";

const PAGES = [
  { key: "campaigns", to: "/campaigns", end: true },
  { key: "segments", to: "/campaigns/segments", end: false },
  { key: "automations", to: "/campaigns/automations", end: false },
] as const;

export function SectionNav() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  return (
    <nav className="marketing-nav" aria-label={t("nav.label")}>
      <ul>
        {PAGES.map((page) => (
          <li key={page.key}>
            <NavLink to={page.to} end={page.end}>
              {t(`nav.${page.key}`)}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
