/** The header's bell: the unread count, live; a panel of the newest notifications (Esc or
 * a click elsewhere closes it, focus returns to the bell); an announcement of new ones. */
import "./notifications.css";
import { useEffect, useId, useRef, useState } from "react";

import { useStageName } from "../api/pipelines";
import { hasAnyRole, type Role } from "../auth/claims";
import { useSession } from "../auth/session";
import { LiveRegion } from "../components/LiveRegion";
import { useSectionStrings } from "../i18n/sectionStrings";
import { NotificationPanel } from "./NotificationPanel";
import { badgeText, titleOf } from "./present";
import { useUnreadCount } from "./queries";
import { NAMESPACE, NOTIFICATION_STRINGS } from "./strings";
import { useLiveNotifications } from "./useLiveNotifications";

/** The roles that may mark their notifications read (the role table's notifications write). */
export const MARK_READ_ROLES: readonly Role[] = ["admin", "sales_manager", "sales", "marketing", "support"];

function BellIcon() {
  return (
    <svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24">
      <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
    </svg>
  );
}

export function NotificationBell() {
  const { t } = useSectionStrings(NAMESPACE, NOTIFICATION_STRINGS);
  const stageName = useStageName(false); // the header is on every page: no fetch for an announcement
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  const count = useUnreadCount();
  const arrived = useLiveNotifications();

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    // on the document: focus may have left the panel (a button in it went away)
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  if (user === null) return null;
  const badge = badgeText(count.data);
  const label =
    count.data === undefined || count.data.unread === 0
      ? t("bell")
      : count.data.capped
        ? t("bellManyUnread")
        : t("bellUnread", { count: count.data.unread });
  const latest = arrived.at(-1);
  const announcement = latest === undefined ? "" : arrived.length === 1 ? t("announceOne", { title: titleOf(latest, t, stageName) }) : t("announceMany", { count: arrived.length });

  return (
    <div className="bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={label}
        onClick={() => setOpen((was) => !was)}
      >
        <BellIcon />
        {badge !== null && (
          <span className="bell-badge" aria-hidden="true" data-testid="bell-badge">
            {badge}
          </span>
        )}
      </button>
      {open && <NotificationPanel panelRef={panel} id={panelId} canMarkRead={hasAnyRole(user, MARK_READ_ROLES)} onFollow={() => setOpen(false)} />}
      <LiveRegion message={announcement} messageKey={latest?.id} />
    </div>
  );
}
