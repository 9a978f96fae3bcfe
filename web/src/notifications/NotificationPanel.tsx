/** The bell's panel: the newest notifications, each leading to its page, with marking read. */
import type { RefObject } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { useStageName } from "../api/pipelines";
import { formatDateTime } from "../format/dates";
import { describeError } from "../i18n/describeError";
import { useSectionStrings } from "../i18n/sectionStrings";
import { useLocale } from "../shell/useLocale";
import { consolePath, titleOf } from "./present";
import { useMarkRead, useRecentNotifications } from "./queries";
import { NAMESPACE, NOTIFICATION_STRINGS } from "./strings";
import type { AppNotification } from "./types";

export interface NotificationPanelProps {
  id: string;
  /** The panel's element (focused when it opens, and when its focused button goes away). */
  panelRef: RefObject<HTMLElement | null>;
  /** The caller's roles may mark notifications read (viewers may not). */
  canMarkRead: boolean;
  /** A notification's link was followed. */
  onFollow: () => void;
}

export function NotificationPanel({ id, panelRef, canMarkRead, onFollow }: NotificationPanelProps) {
  const { t } = useSectionStrings(NAMESPACE, NOTIFICATION_STRINGS);
  const stageName = useStageName();
  const { t: tShell } = useTranslation();
  const locale = useLocale();
  const recent = useRecentNotifications(true);
  const markRead = useMarkRead();
  const items = recent.data?.items ?? [];
  const anyUnread = items.some((item) => !item.read);

  function follow(item: AppNotification) {
    if (canMarkRead && !item.read) markRead.mutate(item.id);
    onFollow();
  }

  function markAllRead() {
    // the button goes once all is read: keep focus in the panel, not lost to the page
    markRead.mutate(null, { onSettled: () => panelRef.current?.focus() });
  }

  return (
    <section id={id} ref={panelRef} className="notification-panel" aria-labelledby={`${id}-title`} tabIndex={-1}>
      <div className="notification-panel-header">
        <h2 id={`${id}-title`}>{t("title")}</h2>
        {canMarkRead && anyUnread && (
          <button type="button" className="button secondary" disabled={markRead.isPending} onClick={markAllRead}>
            {t("markAllRead")}
          </button>
        )}
      </div>
      {recent.isPending && <p role="status">{tShell("app.loading")}</p>}
      {recent.isError && (
        <p className="error" role="alert">
          {describeError(recent.error, tShell)}
        </p>
      )}
      {markRead.isError && (
        <p className="error" role="alert">
          {describeError(markRead.error, tShell)}
        </p>
      )}
      {recent.data && items.length === 0 && <p className="muted">{t("empty")}</p>}
      {items.length > 0 && (
        <ul className="notification-list">
          {items.map((item) => {
            const title = titleOf(item, t, stageName);
            const path = consolePath(item.link);
            return (
              <li key={item.id} className={item.read ? "notification" : "notification unread"}>
                {!item.read && <span className="visually-hidden">{t("unread")}: </span>}
                {path === null ? (
                  <span className="notification-title">{title}</span>
                ) : (
                  <Link className="notification-title" to={path} onClick={() => follow(item)}>
                    {title}
                  </Link>
                )}
                <time dateTime={item.created_at}>{formatDateTime(item.created_at, locale)}</time>
                {canMarkRead && !item.read && (
                  <button type="button" className="link-button" onClick={() => markRead.mutate(item.id)}>
                    {t("markRead")}
                    <span className="visually-hidden">: {title}</span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
