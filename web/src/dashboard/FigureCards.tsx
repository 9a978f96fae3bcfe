/** The dashboard's figures as charts whose bars link to the lists behind them. */
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { BarChart } from "../components/BarChart";
import { formatMonth } from "../format/dates";
import { DEFAULT_CURRENCY, formatMoney, formatNumber, formatPercent } from "../format/money";
import { useLocale } from "../shell/useLocale";
import { caseFigures, chartCurrency, forecastFigures, leadFigures, pipelineFigures, winLossFigures } from "./figures";
import type { CaseSummary, ForecastReport, LeadSummary, PipelineReport, WinLossReport } from "./types";

export function LeadsFigure({ summary }: { summary: LeadSummary }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <>
      <p className="big-number">{formatNumber(summary.new_leads, locale)}</p>
      <BarChart
        label={t("dashboard.newLeads")}
        rowHeader={t("dashboard.ratingHeader")}
        columns={[t("dashboard.leads")]}
        series={[t("dashboard.leads")]}
        tableToggle={t("dashboard.showTable")}
        rows={leadFigures(summary).map((f) => ({
          key: f.key,
          label: t(`dashboard.rating.${f.key}`),
          href: f.href,
          values: [f.count],
          cells: [formatNumber(f.count, locale)],
        }))}
      />
    </>
  );
}

export function CasesFigure({ summary }: { summary: CaseSummary }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <>
      <p className="big-number">{formatNumber(summary.open_total, locale)}</p>
      <p>{t("dashboard.overdue", { count: summary.overdue })}</p>
      <BarChart
        label={t("dashboard.openCases")}
        rowHeader={t("dashboard.priorityHeader")}
        columns={[t("dashboard.cases")]}
        series={[t("dashboard.cases")]}
        tableToggle={t("dashboard.showTable")}
        rows={caseFigures(summary).map((f) => ({
          key: f.key,
          label: t(`dashboard.priority.${f.key}`),
          href: f.href,
          values: [f.count],
          cells: [formatNumber(f.count, locale)],
        }))}
      />
    </>
  );
}

function useMoneyColumns() {
  const { t } = useTranslation();
  return { series: [t("dashboard.amount"), t("dashboard.weighted")], columns: [t("dashboard.deals"), t("dashboard.amount"), t("dashboard.weighted")] };
}

export function PipelineFigure({ report }: { report: PipelineReport }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { series, columns } = useMoneyColumns();
  const currency = chartCurrency(
    report.pipelines.flatMap((p) => p.totals),
    DEFAULT_CURRENCY,
  );
  const pipelines = pipelineFigures(report, currency);
  if (pipelines.every((p) => p.stages.every((s) => s.count === 0))) {
    return (
      <p className="muted">
        <Link to="/pipeline">{t("dashboard.noPipelineDeals")}</Link>
      </p>
    );
  }
  return pipelines.map((pipeline) => (
    <section key={pipeline.pipelineId} aria-labelledby={`pipeline-${pipeline.pipelineId}`}>
      <h3 id={`pipeline-${pipeline.pipelineId}`}>{t("dashboard.pipelineIn", { name: pipeline.name, currency })}</h3>
      <BarChart
        label={t("dashboard.pipelineIn", { name: pipeline.name, currency })}
        rowHeader={t("dashboard.stage")}
        columns={columns}
        series={series}
        tableToggle={t("dashboard.showTable")}
        rows={pipeline.stages.map((s) => ({
          key: s.key,
          label: s.name,
          href: s.href,
          values: [s.amount, s.weighted],
          cells: [formatNumber(s.count, locale), formatMoney(s.amount, locale, currency), formatMoney(s.weighted, locale, currency)],
        }))}
      />
    </section>
  ));
}

export function ForecastFigure({ report, quarter }: { report: ForecastReport; quarter: [string, string] }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const currency = chartCurrency(
    report.months.flatMap((m) => m.totals),
    DEFAULT_CURRENCY,
  );
  return (
    <>
      <p className="muted">{t("dashboard.forecastIn", { currency })}</p>
      <BarChart
        label={t("dashboard.forecast")}
        rowHeader={t("dashboard.month")}
        columns={[t("dashboard.deals"), t("dashboard.bestCase"), t("dashboard.weighted")]}
        series={[t("dashboard.bestCase"), t("dashboard.weighted")]}
        tableToggle={t("dashboard.showTable")}
        rows={forecastFigures(report, quarter, currency).map((m) => ({
          key: m.key,
          label: formatMonth(m.key, locale),
          href: m.href,
          values: [m.amount, m.weighted],
          cells: [formatNumber(m.count, locale), formatMoney(m.amount, locale, currency), formatMoney(m.weighted, locale, currency)],
        }))}
      />
    </>
  );
}

export function WinLossFigure({ report, months }: { report: WinLossReport; months: [string, string] }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { outcomes, reasons } = winLossFigures(report);
  return (
    <>
      <p className="muted">{t("dashboard.winLossPeriod", { from: formatMonth(months[0], locale), to: formatMonth(months[1], locale) })}</p>
      {report.win_rate === null ? (
        <p>{t("dashboard.noneClosed")}</p>
      ) : (
        <p className="big-number">{formatPercent(report.win_rate, locale)}</p>
      )}
      {report.average_cycle_days !== null && <p>{t("dashboard.averageCycle", { days: formatNumber(report.average_cycle_days, locale) })}</p>}
      <BarChart
        label={t("dashboard.winLoss")}
        rowHeader={t("dashboard.outcome")}
        columns={[t("dashboard.deals")]}
        series={[t("dashboard.deals")]}
        tableToggle={t("dashboard.showTable")}
        rows={outcomes.map((o) => ({ key: o.key, label: t(`dashboard.${o.key}`), href: o.href, values: [o.count], cells: [formatNumber(o.count, locale)] }))}
      />
      <h3>{t("dashboard.lostReasons")}</h3>
      {reasons.length === 0 ? (
        <p className="muted">{t("dashboard.noLostReasons")}</p>
      ) : (
        <BarChart
          label={t("dashboard.lostReasons")}
          rowHeader={t("dashboard.reason")}
          columns={[t("dashboard.deals")]}
          series={[t("dashboard.deals")]}
          tableToggle={t("dashboard.showTable")}
          rows={reasons.map((r) => ({ key: r.key, label: r.key, href: r.href, values: [r.count], cells: [formatNumber(r.count, locale)] }))}
        />
      )}
    </>
  );
}
