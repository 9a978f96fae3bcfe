/** The dashboard: the figures of `GET /api/v1/dashboard` as charts linking to their lists. */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";

import { useSession } from "../auth/session";
import { FigureCard } from "../dashboard/FigureCard";
import { CasesFigure, ForecastFigure, LeadsFigure, PipelineFigure, WinLossFigure } from "../dashboard/FigureCards";
import type { Dashboard } from "../dashboard/types";
import { formatDateTime } from "../format/dates";
import { describeError } from "../i18n/describeError";
import { useLocale } from "../shell/useLocale";

import "../dashboard/dashboard.css";

/** Marked when the dashboard's figures are on screen (the e2e test times it). */
export const DASHBOARD_READY_MARK = "crm:dashboard-ready";

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

  const data = query.data;
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <h1 id="page-title">{t("dashboard.title")}</h1>
      {query.isPending && <p role="status">{t("app.loading")}</p>}
      {query.isError && (
        <p className="error" role="alert">
          {describeError(query.error, t)}
        </p>
      )}
      {data && (
        <>
          <p className="muted">{t("dashboard.updated", { time: formatDateTime(data.generated_at, locale) })}</p>
          <div className="dashboard-cards" data-testid="dashboard-figures">
            <FigureCard title={t("dashboard.pipeline")} section={data.pipeline} wide>
              {(report) => <PipelineFigure report={report} />}
            </FigureCard>
            <FigureCard title={t("dashboard.forecast")} section={data.forecast_this_quarter}>
              {(report) => <ForecastFigure report={report} quarter={data.quarter} />}
            </FigureCard>
            <FigureCard title={t("dashboard.winLoss")} section={data.win_loss}>
              {(report) => <WinLossFigure report={report} months={data.win_loss_months} />}
            </FigureCard>
            <FigureCard title={t("dashboard.newLeads")} section={data.new_leads}>
              {(summary) => <LeadsFigure summary={summary} />}
            </FigureCard>
            <FigureCard title={t("dashboard.openCases")} section={data.open_cases}>
              {(summary) => <CasesFigure summary={summary} />}
            </FigureCard>
          </div>
        </>
      )}
    </section>
  );
}
