/** Accounts, newest first: search and type filter live in the URL (`?q=&type=`). */
import { useCallback, useId } from "react";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { SearchField } from "../../components/SearchField";
import { SelectFilter } from "../../components/SelectFilter";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
import { formatDate } from "../../format/dates";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS as CONTACT_STRINGS } from "../contacts/strings";
import { ACCOUNT_TYPES, type Account } from "../contacts/types";
import { STRINGS } from "./strings";

const FILTERS: FilterSpec<"q" | "type" | "owner_id" | "tag"> = {
  q: null,
  type: null,
  owner_id: null,
  tag: null,
};
const PAGE_SIZE = 50;

export function AccountList() {
  const { t } = useSectionStrings("accounts", STRINGS);
  const { t: tContacts } = useSectionStrings("contacts", CONTACT_STRINGS);
  const locale = useLocale();
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const commitSearch = useCallback((text: string) => setFilter({ q: text }), [setFilter]);
  const list = useCursorList<Account>(["accounts", "list"], "/api/v1/accounts", { ...filters, limit: PAGE_SIZE });
  const filtered = Object.keys(filters).length > 0;

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("list.title")}</h1>
      </div>
      <div className="filters" role="search">
        <SearchField id={`${id}-q`} label={t("list.search")} value={filters.q ?? ""} onCommit={commitSearch} />
        <SelectFilter id={`${id}-type`} label={t("list.type")} value={filters.type ?? ""} anyLabel={t("list.anyType")}
          options={ACCOUNT_TYPES.map((type) => ({ value: type, label: tContacts(`accountType.${type}`) }))} onChange={(value) => setFilter({ type: value })} />
      </div>
      <ListStatus list={list} empty={filtered ? t("list.noMatch") : t("list.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("list.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("list.name")}</th>
              <th scope="col">{t("list.type")}</th>
              <th scope="col">{t("list.industry")}</th>
              <th scope="col">{t("list.created")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((account) => (
              <tr key={account.id}>
                <td>
                  <Link to={`/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
                </td>
                <td>{tContacts(`accountType.${account.type}`)}</td>
                <td>{account.industry}</td>
                <td>{formatDate(account.created_at, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
