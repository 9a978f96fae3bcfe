/** The frame of every signed-in page: skip link, header (with the notification bell),
 * section navigation, content (focused and announced after each navigation). */
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";

import { useSession } from "../auth/session";
import { LiveRegion } from "../components/LiveRegion";
import { NotificationBell } from "../notifications/NotificationBell";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { visibleSections } from "./sections";
import { useRouteFocus } from "./useRouteFocus";

export function AppShell() {
  const { t } = useTranslation();
  const { user, logout } = useSession();
  const navigate = useNavigate();
  const main = useRef<HTMLElement>(null);
  const pageAnnouncement = useRouteFocus(main, t("app.name"));
  if (user === null) return null;

  async function onLogout() {
    await logout();
    await navigate("/login", { replace: true, state: { loggedOut: true } });
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        <span className="who">{t("shell.signedInAs", { name: user.name, tenant: user.tenant })}</span>
        <NotificationBell />
        <LanguageSwitcher />
        <button type="button" className="button secondary" onClick={() => void onLogout()}>
          {t("shell.logout")}
        </button>
      </header>
      <nav className="sidenav" aria-label={t("nav.label")}>
        <ul>
          {visibleSections(user).map((section) => (
            <li key={section.key}>
              <NavLink to={section.path} end={section.path === "/"}>
                {t(`nav.${section.key}`)}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1} className="content">
        <Outlet />
      </main>
      <LiveRegion message={pageAnnouncement} />
    </div>
  );
}
