/**
 * A live preview from a POST that only reads (a segment's audience, a template's
 * personalization): asked for once the input has been still for a moment, and only ever
 * showing the answer to the input as it is now. Each input is its own query, so an answer
 * that arrives after the input changed again lands in its own cache entry and is never
 * shown; the request of an input left behind is aborted.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import type { ApiPath } from "../../api/client";
import { useSession } from "../../auth/session";
import { useDebouncedValue } from "../../components/useDebouncedValue";

export const PREVIEW_DELAY_MS = 400;

export interface LivePreview<T> {
  /** The answer for the current input; while a newer one is on its way, the last one. */
  data: T | undefined;
  /** The shown answer is for an older input (a newer one is being waited for). */
  outdated: boolean;
  error: unknown;
}

/** The preview of `body` (JSON; null: nothing to ask yet) from `path`. */
export function useLivePreview<T>(path: ApiPath, body: unknown, delayMs = PREVIEW_DELAY_MS): LivePreview<T> {
  const { client } = useSession();
  const current = body === null ? null : JSON.stringify(body);
  const settled = useDebouncedValue(current, delayMs);
  const query = useQuery({
    queryKey: ["live-preview", path, settled],
    enabled: settled !== null,
    queryFn: ({ signal }) => client.request<T>(path, { method: "POST", json: JSON.parse(settled ?? "null") as unknown, signal }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  return {
    data: current === null ? undefined : query.data,
    outdated: current !== settled || query.isPlaceholderData,
    error: current === settled ? query.error : null,
  };
}
