/** The list's filters, search and sort; every change goes to the URL. */
import { type FormEvent, useEffect, useState } from "react";

import { LEAD_FILTERS, type LeadFilterName, type LeadFilters, RATINGS, SORTS, SOURCES, STATUSES } from "./api";
import { useLeadStrings } from "./strings";

interface Props {
  filters: LeadFilters;
  onChange: (changes: LeadFilters) => void;
}

const CLEARED = Object.fromEntries(Object.keys(LEAD_FILTERS).map((name) => [name, undefined])) as LeadFilters;

export function LeadFilterBar({ filters, onChange }: Props) {
  const { t } = useLeadStrings();
  const [q, setQ] = useState(filters.q ?? "");
  useEffect(() => setQ(filters.q ?? ""), [filters.q]); // Back restores the search box too

  function search(event: FormEvent) {
    event.preventDefault();
    onChange({ q: q.trim() || undefined });
  }

  function select(name: LeadFilterName, values: readonly string[], label: (value: string) => string) {
    return (
      <label className="filter">
        <span>{t(`filters.${name}`)}</span>
        <select value={filters[name] ?? (name === "sort" ? SORTS[0] : "")} onChange={(event) => onChange({ [name]: event.target.value || undefined })}>
          {name !== "sort" && <option value="">{t("filters.any")}</option>}
          {values.map((value) => (
            <option key={value} value={value}>
              {label(value)}
            </option>
          ))}
        </select>
      </label>
    );
  }

  const active = Object.entries(filters).some(([name, value]) => name !== "sort" && value);
  return (
    <div className="lead-filters">
      <form role="search" onSubmit={search} className="lead-search">
        <label className="filter">
          <span>{t("filters.q")}</span>
          <input type="search" value={q} onChange={(event) => setQ(event.target.value)} placeholder={t("filters.qPlaceholder")} />
        </label>
        <button type="submit" className="button secondary">
          {t("filters.search")}
        </button>
      </form>
      {select("status", STATUSES, (value) => t(`status.${value}`))}
      {select("rating", RATINGS, (value) => t(`rating.${value}`))}
      {select("source", SOURCES, (value) => t(`source.${value}`))}
      <label className="filter">
        <span>{t("filters.created_from")}</span>
        <input type="date" value={filters.created_from ?? ""} onChange={(event) => onChange({ created_from: event.target.value || undefined })} />
      </label>
      <label className="filter">
        <span>{t("filters.created_to")}</span>
        <input type="date" value={filters.created_to ?? ""} onChange={(event) => onChange({ created_to: event.target.value || undefined })} />
      </label>
      {select("sort", SORTS, (value) => t(`sort.${value}`))}
      {active && (
        <button type="button" className="button secondary" onClick={() => onChange({ ...CLEARED, sort: filters.sort })}>
          {t("filters.clear")}
        </button>
      )}
    </div>
  );
}
