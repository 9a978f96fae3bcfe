/** The leads: filters, search and sort in the URL, pages loaded as the list scrolls, only the
 * rows in view in the DOM. */
import { Link } from "react-router";

import { useSession } from "../../auth/session";
import { useUrlFilters } from "../../components/useUrlFilters";
import { type Column, VirtualTable } from "../../components/VirtualTable";
import { formatDate } from "../../format/dates";
import { formatNumber } from "../../format/money";
import { useLocale } from "../../shell/useLocale";
import { type Lead, LEAD_FILTERS, useLeadList } from "./api";
import { RatingBadge, StatusBadge } from "./Badges";
import { ExportButton } from "./ExportButton";
import { LeadFilterBar } from "./LeadFilterBar";
import { leadName } from "./names";
import { leadPermissions } from "./permissions";
import { useLeadStrings } from "./strings";

const ROW_HEIGHT = 44;
const VIEW_HEIGHT = 560;

export function LeadListPage() {
  const { t, describe } = useLeadStrings();
  const locale = useLocale();
  const { user } = useSession();
  const can = leadPermissions(user);
  const [filters, setFilters] = useUrlFilters(LEAD_FILTERS);
  const list = useLeadList(filters);

  const columns: Column<Lead>[] = [
    { key: "name", header: t("fields.name"), width: "2fr", render: (lead) => <Link to={lead.id}>{leadName(lead)}</Link> },
    { key: "company", header: t("fields.company"), width: "2fr", render: (lead) => lead.company ?? "" },
    { key: "status", header: t("fields.status"), width: "8rem", render: (lead) => <StatusBadge status={lead.status} /> },
    { key: "rating", header: t("fields.rating"), width: "6rem", render: (lead) => <RatingBadge rating={lead.rating} /> },
    { key: "score", header: t("fields.score"), width: "5rem", render: (lead) => formatNumber(lead.score, locale) },
    { key: "created", header: t("fields.created_at"), width: "8rem", render: (lead) => formatDate(lead.created_at, locale) },
  ];

  let body;
  if (list.isPending) body = <p role="status">{t("list.loading")}</p>;
  else if (list.error !== null && list.items.length === 0)
    body = (
      <p className="error" role="alert">
        {describe(list.error)}
      </p>
    );
  else if (list.items.length === 0)
    body = (
      <div className="notice empty-state">
        <p>{Object.keys(filters).some((name) => name !== "sort") ? t("list.noMatch") : t("list.empty")}</p>
      </div>
    );
  else
    body = (
      <>
        <p className="muted" aria-live="polite">
          {t(list.complete ? "list.countAll" : "list.countLoaded", { count: list.items.length, shown: formatNumber(list.items.length, locale) })}
        </p>
        <VirtualTable
          label={t("list.tableLabel")}
          items={list.items}
          columns={columns}
          rowKey={(lead) => lead.id}
          rowHeight={ROW_HEIGHT}
          height={VIEW_HEIGHT}
          onNearEnd={list.loadMore}
          complete={list.complete}
          footer={
            list.loadingMore ? (
              <p role="status" className="vtable-footer">
                {t("list.loadingMore")}
              </p>
            ) : list.error !== null ? (
              <p role="alert" className="vtable-footer error">
                {describe(list.error)}
              </p>
            ) : null
          }
        />
      </>
    );

  return (
    <div className="leads">
      <div className="page-header">
        <h1>{t("title")}</h1>
        <div className="page-actions">
          {can.write && (
            <Link className="button" to="new">
              {t("list.new")}
            </Link>
          )}
          {can.import && (
            <Link className="button secondary" to="import">
              {t("list.import")}
            </Link>
          )}
          <ExportButton filters={filters} />
        </div>
      </div>
      <LeadFilterBar filters={filters} onChange={setFilters} />
      {body}
    </div>
  );
}
