/** The signed-in user's live notification stream: one per tab, open while signed in. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { useSession } from "../auth/session";
import { LiveStream } from "./liveStream";
import { NOTIFICATIONS_KEY } from "./queries";
import type { SseEvent } from "./sseParser";
import type { AppNotification } from "./types";

export const STREAM_PATH = "/api/v1/notifications/stream";

function notificationsOf(events: SseEvent[]): AppNotification[] {
  return events.flatMap((event) => {
    if (event.event !== "notification") return [];
    try {
      return [JSON.parse(event.data) as AppNotification];
    } catch {
      return []; // not ours to show
    }
  });
}

/**
 * Keeps the stream open while a user is signed in (closed on log-out), refreshes the
 * notification queries when something arrives or the stream (re)opens, and reopens it
 * with the new token after a refresh. Returns what arrived last (one piece of the stream).
 */
export function useLiveNotifications(): AppNotification[] {
  const { client, user } = useSession();
  const queryClient = useQueryClient();
  const [arrived, setArrived] = useState<AppNotification[]>([]);
  const stream = useRef<LiveStream | null>(null);
  const userId = user?.id ?? null;

  useEffect(() => {
    if (userId === null) return;
    const refresh = () => void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    const live = new LiveStream({
      open: (lastEventId, signal) =>
        client.openStream(STREAM_PATH, { signal, headers: lastEventId === "" ? {} : { "last-event-id": lastEventId } }),
      onOpen: refresh,
      onEvents: (events) => {
        const notifications = notificationsOf(events);
        if (notifications.length === 0) return;
        setArrived(notifications);
        refresh();
      },
    });
    stream.current = live;
    live.start();
    return () => {
      live.stop();
      stream.current = null;
    };
  }, [client, userId, queryClient]);

  // the user object changes with each new access token: the open stream was let in with
  // the old one, so reopen it with the new one (roles may have changed meanwhile)
  const seen = useRef(user);
  useEffect(() => {
    if (seen.current !== null && user !== null && seen.current !== user && seen.current.id === user.id) stream.current?.reconnect();
    seen.current = user;
  }, [user]);

  return arrived;
}
