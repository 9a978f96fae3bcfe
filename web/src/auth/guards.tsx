/** Routes that need a signed-in user, or a role. */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";

import { hasAnyRole, type Role } from "./claims";
import { useSession } from "./session";

/** Render `children` for a signed-in user; send anyone else to the log-in page (and back after). */
export function RequireUser({ children }: { children: ReactNode }) {
  const { user, resumed } = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (user === null && !resumed) return <p className="loading" role="status">{t("app.loading")}</p>;
  if (user === null) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

/** Render `children` only for users with one of `roles` (the server checks again). */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { user } = useSession();
  const { t } = useTranslation();
  if (user === null || !hasAnyRole(user, roles)) {
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">{t("errors.forbidden")}</h1>
      </section>
    );
  }
  return children;
}
