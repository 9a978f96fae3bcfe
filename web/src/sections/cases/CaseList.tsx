/** Cases by priority then SLA due time (or by due time, or newest), filtered by status and
 * priority; filters and order live in the URL (`/cases?priority=high&sort=sla_due_at`). */
import { useId } from "react";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { SelectFilter } from "../../components/SelectFilter";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
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
        <SelectFilter id={`${id}-status`} label={t("list.status")} value={filters.status ?? ""} anyLabel={t("list.anyStatus")}
          options={CASE_STATUSES.map((status) => ({ value: status, label: t(`status.${status}`) }))} onChange={(value) => setFilter({ status: value })} />
        <SelectFilter id={`${id}-priority`} label={t("list.priority")} value={filters.priority ?? ""} anyLabel={t("list.anyPriority")}
          options={CASE_PRIORITIES.map((priority) => ({ value: priority, label: t(`priority.${priority}`) }))} onChange={(value) => setFilter({ priority: value })} />
        <SelectFilter id={`${id}-sort`} label={t("list.sort")} value={sort}
          options={SORTS.map((option) => ({ value: option, label: t(`list.sortBy.${option}`) }))} onChange={(value) => setFilter({ sort: value === SORTS[0] ? "" : value })} />
      </div>
      <ListStatus list={list} empty={filtered ? t("list.noMatch") : t("list.empty")} />
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
