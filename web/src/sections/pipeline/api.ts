/** The pipeline screens' reads and writes of the deals API, as react-query hooks. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import type { ApiClient } from "../../api/client";
import { listUrl, useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { appendColumnPage } from "./board";
import type { Board, Deal, Page } from "./types";

/** Query keys: every board, one pipeline's board, one deal. */
export const keys = {
  boards: ["deals-board"] as const,
  board: (pipelineId: string | null) => ["deals-board", pipelineId ?? "default"] as const,
  deal: (dealId: string) => ["deal", dealId] as const,
};

/** The deals a board column shows at first, and each "show more" adds. */
export const COLUMN_PAGE = 20;

export function useBoard(pipelineId: string | null) {
  const { client } = useSession();
  return useQuery({
    queryKey: keys.board(pipelineId),
    queryFn: ({ signal }) =>
      client.request<Board>(listUrl("/api/v1/deals/board", { pipeline_id: pipelineId, per_stage: String(COLUMN_PAGE) }), { signal }),
  });
}

/** Loads the next page of a board column into the board's cached data. */
export function useLoadMore(pipelineId: string | null) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useCallback(
    async (board: Board, stageId: string, cursor: string) => {
      const page = await client.request<Page<Deal>>(
        listUrl("/api/v1/deals", { pipeline_id: board.pipeline_id, stage: stageId, cursor, limit: String(COLUMN_PAGE) }),
      );
      queryClient.setQueryData<Board>(keys.board(pipelineId), (current) => (current ? appendColumnPage(current, stageId, page) : current));
    },
    [client, queryClient, pipelineId],
  );
}

export function fetchDeal(client: ApiClient, dealId: string, signal?: AbortSignal): Promise<Deal> {
  return client.request<Deal>(`/api/v1/deals/${encodeURIComponent(dealId)}`, signal ? { signal } : {});
}

export function useDeal(dealId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: keys.deal(dealId), queryFn: ({ signal }) => fetchDeal(client, dealId, signal) });
}

/** The filters the deals list understands (the API's names), from a URL's query. */
export const LIST_FILTERS = ["pipeline_id", "stage", "status", "lost_reason", "close_from", "close_to", "owner_id", "q"] as const;

/** The deals of the URL's filters, a page at a time. */
export function useDealList(search: URLSearchParams) {
  const params: Record<string, string | null> = { limit: "50" };
  for (const name of LIST_FILTERS) params[name] = search.get(name);
  return useCursorList<Deal>(["deals"], "/api/v1/deals", params);
}

/** Move a deal to another stage of its pipeline, if it is still at `version` (If-Match). */
export function postStageMove(client: ApiClient, deal: Pick<Deal, "id" | "version">, stage: string, lostReason: string | null): Promise<Deal> {
  return client.request<Deal>(`/api/v1/deals/${encodeURIComponent(deal.id)}/stage`, {
    method: "POST",
    json: lostReason === null ? { stage } : { stage, lost_reason: lostReason },
    headers: { "if-match": `"${deal.version}"` },
  });
}
