/** List filters kept in the URL's query string (shareable, and linkable from elsewhere). */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

/** The values of `names` in the query string ("" when absent) and a setter that replaces one. */
export function useUrlFilters<N extends string>(names: readonly N[]): [Record<N, string>, (name: N, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const key = names.join(",");
  const values = useMemo(() => {
    const found = {} as Record<N, string>;
    for (const name of key.split(",") as N[]) found[name] = params.get(name) ?? "";
    return found;
  }, [params, key]);
  const set = useCallback(
    (name: N, value: string) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [values, set];
}
