/** Filters kept in the URL's query string: shareable, and the back button restores them. */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

/** The allowed values of each filter (a free-text filter allows any string: `null`). */
export type FilterSpec<K extends string> = Record<K, readonly string[] | null>;

export type FilterValues<K extends string> = { [P in K]?: string | undefined };

/** The filters of `params` that `spec` knows, dropping unknown names and values. */
export function readFilters<K extends string>(params: URLSearchParams, spec: FilterSpec<K>): FilterValues<K> {
  const values: FilterValues<K> = {};
  for (const name of Object.keys(spec) as K[]) {
    const value = params.get(name)?.trim();
    if (!value) continue;
    const allowed = spec[name];
    if (allowed === null || allowed.includes(value)) values[name] = value;
  }
  return values;
}

/**
 * The current filters and a setter that merges changes into the URL (an empty value removes
 * the filter). Each change is a new history entry, so Back returns to the previous filters.
 */
export function useUrlFilters<K extends string>(spec: FilterSpec<K>): [FilterValues<K>, (changes: FilterValues<K>) => void] {
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const values = useMemo(() => readFilters(params, spec), [key, spec]);
  const update = useCallback(
    (changes: FilterValues<K>) => {
      setParams((current) => {
        const next = new URLSearchParams(current);
        for (const [name, value] of Object.entries(changes) as [K, string | undefined][]) {
          if (value) next.set(name, value);
          else next.delete(name);
        }
        return next;
      });
    },
    [setParams],
  );
  return [values, update];
}
