/** The console's routes. The log-in page and the dashboard are in the first bundle; every
 * other screen is loaded when first opened. */
import { lazy, type ReactNode, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { createBrowserRouter, Navigate, Outlet, type RouteObject, useParams } from "react-router";
import { RouterProvider } from "react-router/dom";

import { RequireRole, RequireUser } from "./auth/guards";
import { DashboardPage } from "./pages/DashboardPage";
import { LoginPage } from "./pages/LoginPage";
import { AppShell } from "./shell/AppShell";
import { SECTIONS } from "./shell/sections";

const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

function Loading({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return <Suspense fallback={<p role="status">{t("app.loading")}</p>}>{children}</Suspense>;
}

/** `/deals/<id>`, the link notifications carry for a deal, opens the deal's page. */
function DealLink() {
  const { dealId = "" } = useParams();
  return <Navigate replace to={`/pipeline/deals/${encodeURIComponent(dealId)}`} />;
}

/** One route per section, matching every path under it; its screens route the rest. */
function sectionRoutes(): RouteObject[] {
  return SECTIONS.flatMap((section): RouteObject[] => {
    if (section.screens === undefined) return [];
    const Screens = lazy(section.screens);
    const page = <Screens />;
    return [{ path: `${section.path.slice(1)}/*`, element: section.roles ? <RequireRole roles={section.roles}>{page}</RequireRole> : page }];
  });
}

export const routes: RouteObject[] = [
  { path: "/login", element: <LoginPage /> },
  {
    path: "/",
    element: (
      <RequireUser>
        <AppShell />
      </RequireUser>
    ),
    children: [
      {
        element: (
          <Loading>
            <Outlet />
          </Loading>
        ),
        children: [{ index: true, element: <DashboardPage /> }, ...sectionRoutes(), { path: "deals/:dealId", element: <DealLink /> }, { path: "*", element: <NotFoundPage /> }],
      },
    ],
  },
];

export function App() {
  const [router] = useState(() => createBrowserRouter(routes));
  return <RouterProvider router={router} />;
}
