/** A cursor-paged list of the API (`{items, next_cursor}`), grown page by page. */
import { type QueryKey, useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";

import { useSession } from "../auth/session";
import type { ApiPath } from "./client";

/** One page of a list endpoint. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** Query parameters; empty values are left out. */
export type ListParams = Record<string, string | number | boolean | null | undefined>;

/** `path?params` with empty values dropped (stable order, so equal lists share a cache key). */
export function listUrl(path: ApiPath, params: ListParams): ApiPath {
  const search = new URLSearchParams();
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

export interface CursorList<T> {
  items: T[];
  /** The first page is loading. */
  isPending: boolean;
  error: unknown;
  hasMore: boolean;
  /** Another page is loading. */
  loadingMore: boolean;
  /** Every page is loaded. */
  complete: boolean;
  /** Load the next page (nothing while one is on its way, after an error, or when complete). */
  loadMore(): void;
}

/** The pages of `path` for `params` so far; `loadMore` fetches the next one. */
export function useCursorList<T>(key: QueryKey, path: ApiPath, params: ListParams, enabled = true): CursorList<T> {
  const { client } = useSession();
  const query = useInfiniteQuery({
    queryKey: [...key, params],
    enabled,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => client.request<CursorPage<T>>(listUrl(path, { ...params, cursor: pageParam }), { signal }),
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = query;
  return {
    items,
    isPending: query.isPending,
    error: query.error,
    hasMore: hasNextPage,
    loadingMore: isFetchingNextPage,
    complete: query.isSuccess && !hasNextPage,
    loadMore: () => {
      // never restart a page already on its way (a second call before the next render)
      if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage({ cancelRefetch: false });
    },
  };
}
