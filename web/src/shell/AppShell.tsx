/** The frame of every signed-in page: skip link, header, section navigation, content. */
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";

import { useSession } from "../auth/session";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { visibleSections } from "./sections";

export function AppShell() {
  const { t } = useTranslation();
  const { user, logout } = useSession();
  const navigate = useNavigate();
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
      <main id="main" tabIndex={-1} className="content">
        <Outlet />
      </main>
    </div>
  );
}
