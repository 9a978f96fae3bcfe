/** The dashboard: the figures of `GET /api/v1/dashboard` (charts come in a later version). */
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";

import { useSession } from "../auth/session";
import { formatDateTime } from "../format/dates";
import { formatNumber } from "../format/money";
import { describeError } from "../i18n/describeError";
import { useLocale } from "../shell/useLocale";

/** One section of a composed view: its data, or why it is missing. */
export type Section<T> = { status: "ok"; data: T | null } | { status: "forbidden" | "unavailable"; reason?: string };

export interface LeadSummary {
  new_leads: number;
  by_rating: Record<string, number>;
}

export interface CaseSummary {
  open_total: number;
  overdue: number;
  open_by_priority: Record<string, number>;
}

export interface Dashboard {
  generated_at: string;
  new_leads: Section<LeadSummary>;
  open_cases: Section<CaseSummary>;
}

/** Marked when the dashboard's figures are on screen (the e2e test times it). */
export const DASHBOARD_READY_MARK = "crm:dashboard-ready";
const RATINGS = ["hot", "warm", "cold"] as const;

function Figure<T>({ title, section, children }: { title: string; section: Section<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  let body: ReactNode;
  if (section.status !== "ok") body = <p className="muted">{t(`dashboard.${section.status}`)}</p>;
  else if (section.data === null) body = <p className="muted">{t("dashboard.noData")}</p>;
  else body = children(section.data);
  return (
    <article className="card">
      <h2>{title}</h2>
      {body}
    </article>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { client } = useSession();
  const query = useQuery({
    queryKey: ["dashboard"],
    queryFn: ({ signal }) => client.request<Dashboard>("/api/v1/dashboard", { signal }),
  });

  useEffect(() => {
    if (query.data) performance.mark(DASHBOARD_READY_MARK);
  }, [query.data]);

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <h1 id="page-title">{t("dashboard.title")}</h1>
      {query.isPending && <p role="status">{t("app.loading")}</p>}
      {query.isError && (
        <p className="error" role="alert">
          {describeError(query.error, t)}
        </p>
      )}
      {query.data && (
        <>
          <p className="muted">{t("dashboard.updated", { time: formatDateTime(query.data.generated_at, locale) })}</p>
          <div className="cards" data-testid="dashboard-figures">
            <Figure title={t("dashboard.newLeads")} section={query.data.new_leads}>
              {(leads) => (
                <>
                  <p className="big-number">{formatNumber(leads.new_leads, locale)}</p>
                  <dl className="pairs">
                    {RATINGS.map((rating) => (
                      <div key={rating}>
                        <dt>{t(`dashboard.rating.${rating}`)}</dt>
                        <dd>{formatNumber(leads.by_rating[rating] ?? 0, locale)}</dd>
                      </div>
                    ))}
                  </dl>
                </>
              )}
            </Figure>
            <Figure title={t("dashboard.openCases")} section={query.data.open_cases}>
              {(cases) => (
                <>
                  <p className="big-number">{formatNumber(cases.open_total, locale)}</p>
                  <p>{t("dashboard.overdue", { count: cases.overdue })}</p>
                </>
              )}
            </Figure>
          </div>
        </>
      )}
    </section>
  );
}
