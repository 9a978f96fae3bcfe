/** One deal: its figures, contacts and stage history. */
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { usePipelines } from "../../api/pipelines";
import { useUserName } from "../../api/users";
import { formatDate, formatDateTime } from "../../format/dates";
import { formatMoney, formatPercent } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { useDeal } from "./api";
import { STRINGS } from "./strings";

export default function DealPage() {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const { t: shell } = useTranslation();
  const userName = useUserName();
  const locale = useLocale();
  const { dealId = "" } = useParams();
  const deal = useDeal(dealId);
  const pipelines = usePipelines();
  const pipeline = pipelines.data?.items.find((p) => p.id === deal.data?.pipeline_id);
  const stageName = (id: string | null) => (id === null ? t("none") : (pipeline?.stages.find((s) => s.id === id)?.name ?? id));

  if (deal.isPending) return <p role="status">{shell("app.loading")}</p>;
  if (deal.isError)
    return (
      <section className="page" aria-labelledby="page-title">
        <h1 id="page-title">{t("deals")}</h1>
        <p className="error" role="alert">
          {describeError(deal.error, shell)}
        </p>
        <Link to="/pipeline">{t("backToBoard")}</Link>
      </section>
    );
  const d = deal.data;
  return (
    <section className="page deal-page" aria-labelledby="page-title">
      <p>
        <Link to={`/pipeline?pipeline_id=${encodeURIComponent(d.pipeline_id)}`}>{t("backToBoard")}</Link>
      </p>
      <h1 id="page-title">{d.name}</h1>
      <dl className="deal-fields">
        <div>
          <dt>{t("stage")}</dt>
          <dd data-testid="deal-stage">{stageName(d.stage)}</dd>
        </div>
        <div>
          <dt>{t("amount")}</dt>
          <dd>{formatMoney(d.amount, locale, d.currency)}</dd>
        </div>
        <div>
          <dt>{t("probability")}</dt>
          <dd>{formatPercent(d.probability / 100, locale)}</dd>
        </div>
        <div>
          <dt>{t("closeDate")}</dt>
          <dd>{d.expected_close_date ? formatDate(`${d.expected_close_date}T00:00:00Z`, locale, "UTC") : t("none")}</dd>
        </div>
        <div>
          <dt>{t("owner")}</dt>
          <dd>{d.owner_id !== null ? userName(d.owner_id) : t("none")}</dd>
        </div>
        {d.lost_reason && (
          <div>
            <dt>{t("lostBecause")}</dt>
            <dd>{d.lost_reason}</dd>
          </div>
        )}
      </dl>
      <h2>{t("contacts")}</h2>
      {d.contacts.length === 0 ? (
        <p className="muted">{t("noContacts")}</p>
      ) : (
        <ul>
          {d.contacts.map((c) => (
            <li key={c.contact_id}>
              {c.name ?? c.contact_id}
              {c.email ? ` <${c.email}>` : ""} ({c.role})
            </li>
          ))}
        </ul>
      )}
      <h2 id="history-title">{t("history")}</h2>
      <table className="history" aria-labelledby="history-title">
        <thead>
          <tr>
            <th scope="col">{t("when")}</th>
            <th scope="col">{t("change")}</th>
            <th scope="col">{t("by")}</th>
          </tr>
        </thead>
        <tbody>
          {[...d.stage_history].reverse().map((entry, i) => (
            <tr key={`${entry.at}-${i}`}>
              <td>{formatDateTime(entry.at, locale)}</td>
              <td>
                {entry.from_stage === null ? t("historyCreated", { to: stageName(entry.to_stage) }) : t("historyMove", { from: stageName(entry.from_stage), to: stageName(entry.to_stage) })}
                {entry.reopened && ` ${t("historyReopened")}`}
              </td>
              <td>{entry.by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
