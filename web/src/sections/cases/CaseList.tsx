/** Cases by priority then SLA due time (or by due time, or newest), filtered by status and
 * priority; filters and order live in the URL (`/cases?priority=high&sort=sla_due_at`). */
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { PriorityBadge, SlaDue, StatusBadge } from "./CaseBadges";
import { canWriteCases } from "./permissions";
import { STRINGS } from "./strings";
import { CASE_PRIORITIES, CASE_STATUSES, type CaseRecord } from "./types";

const FILTERS: FilterSpec<"status" | "priority" | "sort" | "contact_id" | "account_id" | "assignee_id"> = {
  status: null,
  priority: null,
  sort: null,
  contact_id: null,
  account_id: null,
  assignee_id: null,
};
const PAGE_SIZE = 50;
/** The API's orders of the list; the first is the default (absent from the URL). */
const SORTS = ["priority", "sla_due_at", "-created_at"] as const;
type Sort = (typeof SORTS)[number];

export function CaseList() {
  const { t } = useSectionStrings("cases", STRINGS);
  const { t: tShell } = useTranslation();
  const { user } = useSession();
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const sort: Sort = (SORTS as readonly string[]).includes(filters.sort ?? "") ? (filters.sort as Sort) : SORTS[0];
  const list = useCursorList<CaseRecord>(["cases", "list"], "/api/v1/cases", { ...filters, sort, limit: PAGE_SIZE });
  const filtered = Object.keys(filters).some((name) => name !== "sort");
  const now = new Date();

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("list.title")}</h1>
        {user && canWriteCases(user) && (
          <Link className="button" to="/cases/new">
            {t("list.new")}
          </Link>
        )}
      </div>
      <div className="filters">
        <div className="form-field">
          <label htmlFor={`${id}-status`}>{t("list.status")}</label>
          <select id={`${id}-status`} value={filters.status ?? ""} onChange={(event) => setFilter({ status: event.target.value })}>
            <option value="">{t("list.anyStatus")}</option>
            {CASE_STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`status.${status}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-priority`}>{t("list.priority")}</label>
          <select id={`${id}-priority`} value={filters.priority ?? ""} onChange={(event) => setFilter({ priority: event.target.value })}>
            <option value="">{t("list.anyPriority")}</option>
            {CASE_PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {t(`priority.${priority}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-sort`}>{t("list.sort")}</label>
          <select id={`${id}-sort`} value={sort} onChange={(event) => setFilter({ sort: event.target.value === SORTS[0] ? "" : event.target.value })}>
            {SORTS.map((option) => (
              <option key={option} value={option}>
                {t(`list.sortBy.${option}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.isPending && <p role="status">{tShell("app.loading")}</p>}
      {list.error !== null && (
        <p className="error" role="alert">
          {describeError(list.error, tShell)}
        </p>
      )}
      {!list.isPending && list.error === null && list.items.length === 0 && <p className="empty-state">{filtered ? t("list.noMatch") : t("list.empty")}</p>}
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t(`list.caption.${sort}`)}</caption>
          <thead>
            <tr>
              <th scope="col">{t("list.subject")}</th>
              <th scope="col">{t("list.priority")}</th>
              <th scope="col">{t("list.status")}</th>
              <th scope="col">{t("list.due")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((record) => (
              <tr key={record.id}>
                <td>
                  <Link to={`/cases/${encodeURIComponent(record.id)}`}>{record.subject}</Link>
                </td>
                <td>
                  <PriorityBadge priority={record.priority} />
                </td>
                <td>
                  <StatusBadge status={record.status} />
                </td>
                <td>
                  <SlaDue record={record} now={now} />
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
