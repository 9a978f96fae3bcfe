/** Contacts, newest first: search and filters live in the URL (`?q=&lifecycle_stage=&rfm_segment=`). */
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
import { RfmBadge } from "./RfmBadge";
import { STRINGS } from "./strings";
import { type Contact, contactName, LIFECYCLE_STAGES, RFM_SEGMENTS } from "./types";

const FILTERS: FilterSpec<"q" | "lifecycle_stage" | "rfm_segment" | "account_id" | "owner_id" | "tag"> = {
  q: null,
  lifecycle_stage: null,
  rfm_segment: null,
  account_id: null,
  owner_id: null,
  tag: null,
};
const PAGE_SIZE = 50;

export function ContactList() {
  const { t } = useSectionStrings("contacts", STRINGS);
  const locale = useLocale();
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const commitSearch = useCallback((text: string) => setFilter({ q: text }), [setFilter]);
  const list = useCursorList<Contact>(["contacts", "list"], "/api/v1/contacts", { ...filters, limit: PAGE_SIZE });
  const filtered = Object.keys(filters).length > 0;

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("list.title")}</h1>
      </div>
      <div className="filters" role="search">
        <SearchField id={`${id}-q`} label={t("list.search")} value={filters.q ?? ""} onCommit={commitSearch} />
        <SelectFilter id={`${id}-stage`} label={t("list.stage")} value={filters.lifecycle_stage ?? ""} anyLabel={t("list.anyStage")}
          options={LIFECYCLE_STAGES.map((stage) => ({ value: stage, label: t(`stage.${stage}`) }))} onChange={(value) => setFilter({ lifecycle_stage: value })} />
        <SelectFilter id={`${id}-segment`} label={t("list.segment")} value={filters.rfm_segment ?? ""} anyLabel={t("list.anySegment")}
          options={RFM_SEGMENTS.map((segment) => ({ value: segment, label: t(`segment.${segment}`) }))} onChange={(value) => setFilter({ rfm_segment: value })} />
      </div>
      <ListStatus list={list} empty={filtered ? t("list.noMatch") : t("list.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("list.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("list.name")}</th>
              <th scope="col">{t("list.email")}</th>
              <th scope="col">{t("list.stage")}</th>
              <th scope="col">{t("list.segment")}</th>
              <th scope="col">{t("list.created")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((contact) => (
              <tr key={contact.id}>
                <td>
                  <Link to={`/contacts/${encodeURIComponent(contact.id)}`}>{contactName(contact)}</Link>
                </td>
                <td>{contact.email}</td>
                <td>{t(`stage.${contact.lifecycle_stage}`)}</td>
                <td>{contact.rfm_segment && <RfmBadge segment={contact.rfm_segment} />}</td>
                <td>{formatDate(contact.created_at, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
