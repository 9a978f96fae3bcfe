/** The API's shapes of in-app notifications (`/api/v1/notifications`). */

export interface AppNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  /** A console path (`/leads/<id>`), or empty. */
  link: string;
  data: Record<string, unknown>;
  created_at: string;
  read: boolean;
}

export interface NotificationPage {
  items: AppNotification[];
  next_cursor: string | null;
}

/** Counting stops at 1000: `capped` then. */
export interface UnreadCount {
  unread: number;
  capped: boolean;
}
