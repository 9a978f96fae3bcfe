/** The tenant's segments (the first page, enough to pick from and to name them by id). */
import { useQuery } from "@tanstack/react-query";

import type { CursorPage } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import type { Segment } from "./types";

export const SEGMENT_PICK_LIMIT = 200;

export function useSegments() {
  const { client } = useSession();
  return useQuery({
    queryKey: ["segments", "pick"],
    queryFn: ({ signal }) => client.request<CursorPage<Segment>>(`/api/v1/segments?limit=${SEGMENT_PICK_LIMIT}`, { signal }),
    select: (page) => page.items,
  });
}
