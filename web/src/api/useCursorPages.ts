/** A list the API serves in cursor pages (`{items, next_cursor}`), fetched page by page as the
 * user scrolls, through react-query (cached per query key, refetched when it changes). */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import type { ApiPath } from "./client";

/** One page of a cursor-paginated listing. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface CursorPages<T> {
  items: T[];
  /** The first page is loading. */
  loading: boolean;
  /** Another page is loading. */
  loadingMore: boolean;
  /** Every page is loaded. */
  complete: boolean;
  error: unknown;
  /** Load the next page (no-op while one is loading or when complete). */
  loadMore: () => void;
}

/** `path` with the query `params` (empty values left out) and the cursor. */
export function pageUrl(path: ApiPath, params: Record<string, string | undefined>, cursor: string | null): ApiPath {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  if (cursor !== null) query.set("cursor", cursor);
  const text = query.toString();
  return (text ? `${path}?${text}` : path) as ApiPath;
}

/** The pages of `path` for `params`; `fetchPage` performs the call (the session's client). */
export function useCursorPages<T>(
  key: readonly unknown[],
  path: ApiPath,
  params: Record<string, string | undefined>,
  fetchPage: (url: ApiPath, signal: AbortSignal) => Promise<CursorPage<T>>,
): CursorPages<T> {
  const query = useInfiniteQuery({
    queryKey: [...key, path, params],
    queryFn: ({ pageParam, signal }) => fetchPage(pageUrl(path, params, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: CursorPage<T>) => last.next_cursor,
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = query;
  return {
    items,
    loading: query.isPending,
    loadingMore: isFetchingNextPage,
    complete: query.isSuccess && !hasNextPage,
    error: query.error,
    loadMore: () => {
      // not restarting a page already on its way (a second call before the next render)
      if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage({ cancelRefetch: false });
    },
  };
}
