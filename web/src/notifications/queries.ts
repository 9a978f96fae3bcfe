/** The caller's notifications through the API: unread count, recent list, marking read. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useSession } from "../auth/session";
import type { NotificationPage, UnreadCount } from "./types";

/** Every notification query starts with this key (a new notification refreshes them all). */
export const NOTIFICATIONS_KEY = ["notifications"] as const;
export const RECENT_LIMIT = 20;

export function useUnreadCount() {
  const { client } = useSession();
  return useQuery({
    queryKey: [...NOTIFICATIONS_KEY, "unread-count"],
    queryFn: ({ signal }) => client.request<UnreadCount>("/api/v1/notifications/unread-count", { signal }),
  });
}

/** The newest notifications, fetched while `enabled` (the panel is open). */
export function useRecentNotifications(enabled: boolean) {
  const { client } = useSession();
  return useQuery({
    queryKey: [...NOTIFICATIONS_KEY, "recent"],
    queryFn: ({ signal }) => client.request<NotificationPage>(`/api/v1/notifications?limit=${RECENT_LIMIT}`, { signal }),
    enabled,
  });
}

/** Mark one notification read (`id`), or all of them (null). */
export function useMarkRead() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string | null) =>
      client.request(id === null ? "/api/v1/notifications/read-all" : `/api/v1/notifications/${encodeURIComponent(id)}/read`, { method: "POST" }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
}
