/** Whether a subscription is active, switched off by hand, or off after failures. */
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { Webhook } from "./types";

export function WebhookState({ webhook }: { webhook: Webhook }) {
  const { t } = useSectionStrings("settings", STRINGS);
  if (webhook.active) {
    return <>{webhook.consecutive_failures > 0 ? t("webhooks.activeFailing", { count: webhook.consecutive_failures }) : t("webhooks.active")}</>;
  }
  return <>{webhook.disabled_reason ? t("webhooks.disabledBecause", { reason: webhook.disabled_reason }) : t("webhooks.disabled")}</>;
}
