/** The tenant's pipelines and their stages, as several screens read them (the board, deal
 * pages, the 360 view, the notification bell). */
import { useQuery } from "@tanstack/react-query";

import { useSession } from "../auth/session";
import type { CursorPage } from "./useCursorList";

export type StageKind = "open" | "won" | "lost";

export interface Stage {
  id: string;
  name: string;
  probability: number;
  kind: StageKind;
}

export interface Pipeline {
  id: string;
  name: string;
  stages: Stage[];
}

/** The query key of the pipelines (invalidate it when a pipeline changes). */
export const PIPELINES_KEY = ["pipelines"] as const;

/** The tenant's pipelines (the first 200); with `load` false only what a screen already read. */
export function usePipelines(load = true) {
  const { client } = useSession();
  return useQuery({
    queryKey: PIPELINES_KEY,
    enabled: load,
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => client.request<CursorPage<Pipeline>>("/api/v1/pipelines?limit=200", { signal }),
  });
}

/** A stage's name by its id, across the tenant's pipelines (the id itself until they load;
 * with `load` false they are not fetched for this, only used when a screen read them). */
export function useStageName(load = true): (stageId: string) => string {
  const pipelines = usePipelines(load);
  return (stageId) => {
    for (const pipeline of pipelines.data?.items ?? []) {
      const stage = pipeline.stages.find((s) => s.id === stageId);
      if (stage) return stage.name;
    }
    return stageId;
  };
}
