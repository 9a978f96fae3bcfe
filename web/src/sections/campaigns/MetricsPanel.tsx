/** A campaign's results: the funnel from audience to won deals as bars, and revenue, cost
 * and ROI in the campaign's currency; refreshed while the campaign is sending. */
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { useSession } from "../../auth/session";
import { BarChart } from "../../components/BarChart";
import { formatMoney, formatNumber, formatPercent } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import { type Campaign, type CampaignMetrics, FUNNEL } from "./types";

const REFRESH_MS = 5000;
/** The member status each funnel step lists (the steps past the e-mail list all members). */
const STEP_STATUS: Partial<Record<(typeof FUNNEL)[number], string>> = { sent: "sent", opened: "opened", clicked: "clicked", responded: "responded", converted: "converted" };

export function MetricsPanel({ campaign }: { campaign: Campaign }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const locale = useLocale();
  const metrics = useQuery({
    queryKey: ["campaigns", "metrics", campaign.id],
    queryFn: ({ signal }) => client.request<CampaignMetrics>(`/api/v1/campaigns/${encodeURIComponent(campaign.id)}/metrics`, { signal }),
    refetchInterval: campaign.status === "active" ? REFRESH_MS : false,
  });
  const data = metrics.data;
  const base = `/campaigns/${encodeURIComponent(campaign.id)}`;
  return (
    <section className="campaign-metrics" aria-labelledby="metrics-title">
      <h2 id="metrics-title">{t("metrics.title")}</h2>
      {metrics.isPending && <p role="status">{tShell("app.loading")}</p>}
      {metrics.isError && (
        <p className="error" role="alert">
          {describeError(metrics.error, tShell)}
        </p>
      )}
      {data && (
        <>
          <dl className="facts money-figures">
            <div>
              <dt>{t("metrics.revenue")}</dt>
              <dd>{formatMoney(data.revenue, locale, data.currency)}</dd>
            </div>
            <div>
              <dt>{t("metrics.cost")}</dt>
              <dd>{formatMoney(data.cost, locale, data.currency)}</dd>
            </div>
            <div>
              <dt>{t("metrics.roi")}</dt>
              <dd>{data.roi === null ? t("metrics.noRoi") : formatPercent(Number(data.roi), locale)}</dd>
            </div>
          </dl>
          <BarChart
            label={t("metrics.funnel")}
            rowHeader={t("metrics.step")}
            columns={[t("metrics.count")]}
            series={[t("metrics.count")]}
            tableToggle={t("metrics.table")}
            rows={FUNNEL.map((step) => ({
              key: step,
              label: t(`metrics.${step}`),
              href: STEP_STATUS[step] ? `${base}?member_status=${STEP_STATUS[step]}#members` : `${base}#members`,
              values: [data[step]],
              cells: [formatNumber(data[step], locale)],
            }))}
          />
          {data.suppressed > 0 && <p>{t("metrics.suppressed", { count: data.suppressed })}</p>}
        </>
      )}
    </section>
  );
}
