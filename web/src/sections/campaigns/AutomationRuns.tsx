/** When an automation fired, on which event, and what each action did; newest first. */
import { useCursorList } from "../../api/useCursorList";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { formatDateTime } from "../../format/dates";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import type { AutomationRun } from "./types";

export function AutomationRuns({ automationId }: { automationId: string }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const locale = useLocale();
  const list = useCursorList<AutomationRun>(["automations", "runs", automationId], `/api/v1/automations/${encodeURIComponent(automationId)}/runs`, { limit: 50 });
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">{t("automation.runs")}</h2>
      <ListStatus list={list} empty={t("automation.runsEmpty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("automation.runsCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("automation.when")}</th>
              <th scope="col">{t("automation.eventType")}</th>
              <th scope="col">{t("automation.subject")}</th>
              <th scope="col">{t("automation.results")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((run) => (
              <tr key={run.id}>
                <td>{formatDateTime(run.created_at, locale)}</td>
                <td>{run.event_type}</td>
                <td>{run.subject}</td>
                <td>
                  <ul className="run-results">
                    {run.results.map((result, i) => (
                      <li key={i}>
                        {t(`automation.actionTypes.${result.type}`, { defaultValue: result.type })}: {result.status}
                        {result.reason ? ` (${result.reason})` : ""}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
