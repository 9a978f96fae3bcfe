/** Contacts, newest first: search and filters live in the URL (`?q=&lifecycle_stage=&rfm_segment=`). */
import { useCallback, useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { useDebouncedSearch } from "../../components/useDebouncedSearch";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
import { formatDate } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
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
  const { t: tShell } = useTranslation();
  const locale = useLocale();
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const commitSearch = useCallback((text: string) => setFilter({ q: text }), [setFilter]);
  const [search, setSearch] = useDebouncedSearch(filters.q ?? "", commitSearch);
  const list = useCursorList<Contact>(["contacts", "list"], "/api/v1/contacts", { ...filters, limit: PAGE_SIZE });
  const filtered = Object.keys(filters).length > 0;

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("list.title")}</h1>
      </div>
      <div className="filters" role="search">
        <div className="form-field">
          <label htmlFor={`${id}-q`}>{t("list.search")}</label>
          <input id={`${id}-q`} type="search" maxLength={100} value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-stage`}>{t("list.stage")}</label>
          <select id={`${id}-stage`} value={filters.lifecycle_stage ?? ""} onChange={(event) => setFilter({ lifecycle_stage: event.target.value })}>
            <option value="">{t("list.anyStage")}</option>
            {LIFECYCLE_STAGES.map((stage) => (
              <option key={stage} value={stage}>
                {t(`stage.${stage}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-segment`}>{t("list.segment")}</label>
          <select id={`${id}-segment`} value={filters.rfm_segment ?? ""} onChange={(event) => setFilter({ rfm_segment: event.target.value })}>
            <option value="">{t("list.anySegment")}</option>
            {RFM_SEGMENTS.map((segment) => (
              <option key={segment} value={segment}>
                {t(`segment.${segment}`)}
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
