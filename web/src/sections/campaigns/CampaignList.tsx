/** Campaigns, newest first, filtered by status and type (the filters live in the URL). */
import { useId } from "react";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { SelectFilter } from "../../components/SelectFilter";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
import { formatMoney } from "../../format/money";
import { formatDate } from "../../format/dates";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { canWriteMarketing } from "./permissions";
import { SectionNav } from "./SectionNav";
import { STRINGS } from "./strings";
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES, type Campaign } from "./types";

const FILTERS: FilterSpec<"status" | "type"> = { status: null, type: null };
const PAGE_SIZE = 50;

export function CampaignList() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { user } = useSession();
  const locale = useLocale();
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const list = useCursorList<Campaign>(["campaigns", "list"], "/api/v1/campaigns", { ...filters, limit: PAGE_SIZE });
  const filtered = Object.keys(filters).length > 0;
  const writer = canWriteMarketing(user);

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <SectionNav />
      <div className="page-head">
        <h1 id="page-title">{t("list.title")}</h1>
        {writer && (
          <Link className="button" to="/campaigns/new">
            {t("list.new")}
          </Link>
        )}
      </div>
      <div className="filters">
        <SelectFilter id={`${id}-status`} label={t("list.status")} value={filters.status ?? ""} anyLabel={t("list.anyStatus")}
          options={CAMPAIGN_STATUSES.map((status) => ({ value: status, label: t(`status.${status}`) }))} onChange={(value) => setFilter({ status: value })} />
        <SelectFilter id={`${id}-type`} label={t("list.type")} value={filters.type ?? ""} anyLabel={t("list.anyType")}
          options={CAMPAIGN_TYPES.map((type) => ({ value: type, label: t(`type.${type}`) }))} onChange={(value) => setFilter({ type: value })} />
      </div>
      <ListStatus list={list} empty={filtered ? t("list.noMatch") : writer ? t("list.empty") : t("list.emptyReadOnly")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("list.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("list.name")}</th>
              <th scope="col">{t("list.type")}</th>
              <th scope="col">{t("list.status")}</th>
              <th scope="col">{t("list.start")}</th>
              <th scope="col">{t("list.budget")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((campaign) => (
              <tr key={campaign.id}>
                <td>
                  <Link to={`/campaigns/${encodeURIComponent(campaign.id)}`}>{campaign.name}</Link>
                </td>
                <td>{t(`type.${campaign.type}`)}</td>
                <td>
                  <span className={`badge campaign-${campaign.status}`}>{t(`status.${campaign.status}`)}</span>
                </td>
                <td>{campaign.start_date ? formatDate(campaign.start_date, locale) : ""}</td>
                <td>{formatMoney(campaign.budget, locale, campaign.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
