/** The deals behind a figure: the list filtered by the URL's query (the API's filter names). */
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";

import { usePipelines } from "../../api/pipelines";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { useDealList } from "./api";
import { STRINGS } from "./strings";

export default function DealListPage() {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const { t: shell } = useTranslation();
  const locale = useLocale();
  const [search] = useSearchParams();
  const deals = useDealList(search);
  const items = deals.isPending ? undefined : deals.items;
  const pipelines = usePipelines();
  const stageName = (pipelineId: string, stageId: string) =>
    pipelines.data?.items.find((p) => p.id === pipelineId)?.stages.find((s) => s.id === stageId)?.name ?? stageId;

  const filters: string[] = [];
  const stage = search.get("stage");
  const pipelineId = search.get("pipeline_id");
  const status = search.get("status");
  const reason = search.get("lost_reason");
  const closeFrom = search.get("close_from");
  const closeTo = search.get("close_to");
  if (stage && pipelineId) filters.push(t("filter.stage", { stage: stageName(pipelineId, stage) }));
  if (status === "open" || status === "won" || status === "lost") filters.push(t("filter.status", { status: t(`status.${status}`) }));
  if (reason) filters.push(t("filter.lostReason", { reason }));
  if (closeFrom && closeTo) filters.push(t("filter.close", { from: formatDate(`${closeFrom}T00:00:00Z`, locale, "UTC"), to: formatDate(`${closeTo}T00:00:00Z`, locale, "UTC") }));

  return (
    <section className="page" aria-labelledby="page-title">
      <p>
        <Link to="/pipeline">{t("backToBoard")}</Link>
      </p>
      <h1 id="page-title">{filters.length ? t("dealsFiltered", { filter: filters.join(", ") }) : t("deals")}</h1>
      {deals.isPending && <p role="status">{shell("app.loading")}</p>}
      {deals.error !== null && (
        <p className="error" role="alert">
          {describeError(deals.error, shell)}
        </p>
      )}
      {items?.length === 0 && <p className="notice">{t("noDeals")}</p>}
      {items && items.length > 0 && (
        <table className="deal-list">
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("stage")}</th>
              <th scope="col">{t("amount")}</th>
              <th scope="col">{t("closeDate")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((deal) => (
              <tr key={deal.id}>
                <td>
                  <Link to={`/pipeline/deals/${encodeURIComponent(deal.id)}`}>{deal.name}</Link>
                </td>
                <td>{stageName(deal.pipeline_id, deal.stage)}</td>
                <td>{formatMoney(deal.amount, locale, deal.currency)}</td>
                <td>{deal.expected_close_date ? formatDate(`${deal.expected_close_date}T00:00:00Z`, locale, "UTC") : t("none")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deals.hasMore && (
        <p>
          <button type="button" className="button secondary" disabled={deals.loadingMore} onClick={deals.loadMore}>
            {t("loadMore")}
          </button>
        </p>
      )}
    </section>
  );
}
