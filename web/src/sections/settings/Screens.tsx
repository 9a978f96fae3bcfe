/** The settings section: a sub-navigation of the pages the user's roles open, and the page
 * itself; a page's URL opened without the role says so (the API refuses it too). */
import type { ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";

import { RequireRole } from "../../auth/guards";
import { useSession } from "../../auth/session";
import "../../components/recordPages.css";
import { ApiKeysPage } from "./ApiKeysPage";
import { type SettingsPageKey, SETTINGS_PAGES, visiblePages } from "./pages";
import { PipelinesPage } from "./PipelinesPage";
import { ScoringPage } from "./ScoringPage";
import "./settings.css";
import { SettingsNav } from "./SettingsNav";
import { TargetsPage } from "./TargetsPage";
import { UsersPage } from "./UsersPage";
import { WebhookPage } from "./WebhookPage";
import { WebhooksPage } from "./WebhooksPage";

const PAGES: Record<SettingsPageKey, { element: ReactNode; detail?: ReactNode }> = {
  users: { element: <UsersPage /> },
  apiKeys: { element: <ApiKeysPage /> },
  webhooks: { element: <WebhooksPage />, detail: <WebhookPage /> },
  scoring: { element: <ScoringPage /> },
  pipelines: { element: <PipelinesPage /> },
  targets: { element: <TargetsPage /> },
};

export default function SettingsScreens() {
  const { user } = useSession();
  if (user === null) return null;
  const first = visiblePages(user)[0];
  return (
    <div className="settings-layout">
      <SettingsNav user={user} />
      <div className="settings-page">
        <Routes>
          {first && <Route index element={<Navigate to={`/settings/${first.path}`} replace />} />}
          {SETTINGS_PAGES.map((page) => (
            <Route key={page.key} path={page.path}>
              <Route index element={<RequireRole roles={page.readers}>{PAGES[page.key].element}</RequireRole>} />
              {PAGES[page.key].detail && <Route path=":recordId" element={<RequireRole roles={page.readers}>{PAGES[page.key].detail}</RequireRole>} />}
            </Route>
          ))}
        </Routes>
      </div>
    </div>
  );
}
