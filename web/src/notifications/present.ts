/** How a notification shows in the console: its title in the user's language, where it
 * leads, and the bell's count. */
import type { TFunction } from "i18next";

import type { AppNotification, UnreadCount } from "./types";

/** The console path of a notification's `link` (`/deals/<id>` is routed to the deal's
 * page by the app); null when it is not a path of this console (empty, another site,
 * `//host`). */
export function consolePath(link: string): string | null {
  if (!link.startsWith("/") || link.startsWith("//") || link.startsWith("/\\")) return null;
  return link;
}

/** The title in the user's language for the kinds the platform writes (a deal's stage by
 * `stageName`); an automation's title as its author wrote it. */
export function titleOf(notification: AppNotification, t: TFunction, stageName: (stageId: string) => string): string {
  switch (notification.kind) {
    case "lead_assigned":
    case "case_urgent":
      return t(`kinds.${notification.kind}`);
    case "deal_stage_changed": {
      const stage = notification.data["to_stage"];
      return typeof stage === "string" ? t("kinds.deal_stage_changed", { stage: stageName(stage) }) : notification.title;
    }
    default:
      return notification.title;
  }
}

/** The badge's text: nothing at zero, `999+` once the server stopped counting. */
export function badgeText(count: UnreadCount | undefined): string | null {
  if (count === undefined || count.unread === 0) return null;
  return count.capped ? "999+" : String(count.unread);
}
