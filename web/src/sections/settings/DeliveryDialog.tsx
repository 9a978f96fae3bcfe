/** One delivery of a webhook: its event, status and every attempt, with Replay. */
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { useSession } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { RecordStatus } from "../../components/RecordStatus";
import { formatDateTime } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import type { Delivery } from "./types";
import { webhookKeys } from "./useWebhookActions";

export interface DeliveryDialogProps {
  webhookId: string;
  deliveryId: string;
  onReplay: (delivery: Delivery) => void;
  replaying: boolean;
  replayError: unknown;
  onClose: () => void;
}

export function DeliveryDialog({ webhookId, deliveryId, onReplay, replaying, replayError, onClose }: DeliveryDialogProps) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const locale = useLocale();
  const query = useQuery({
    queryKey: [...webhookKeys.deliveries(webhookId), "one", deliveryId],
    queryFn: ({ signal }) => client.request<Delivery>(`/api/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}`, { signal }),
  });
  const delivery = query.data;
  return (
    <Dialog title={t("deliveries.detailTitle")} onClose={onClose} closeLabel={t("common.close")}>
      <RecordStatus query={query} title={t("deliveries.detailTitle")} />
      {delivery && (
        <>
          <dl className="facts">
            <dt>{t("deliveries.event")}</dt>
            <dd>{delivery.event_type}</dd>
            <dt>{t("deliveries.status")}</dt>
            <dd className={`status-${delivery.status}`}>{t(`deliveries.statuses.${delivery.status}`)}</dd>
            <dt>{t("deliveries.eventId")}</dt>
            <dd>
              <code>{delivery.event_id}</code>
            </dd>
            <dt>{t("deliveries.replays")}</dt>
            <dd>{delivery.replays}</dd>
            {delivery.next_attempt_at && (
              <>
                <dt>{t("deliveries.nextAttempt")}</dt>
                <dd>{formatDateTime(delivery.next_attempt_at, locale)}</dd>
              </>
            )}
          </dl>
          {delivery.attempts.length === 0 ? (
            <p className="empty-state">{t("deliveries.noAttempts")}</p>
          ) : (
            <table className="data-table">
              <caption>{t("deliveries.attemptsCaption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("deliveries.time")}</th>
                  <th scope="col">{t("deliveries.responseCode")}</th>
                  <th scope="col">{t("deliveries.error")}</th>
                  <th scope="col">{t("deliveries.latency")}</th>
                </tr>
              </thead>
              <tbody>
                {delivery.attempts.map((attempt) => (
                  <tr key={attempt.at}>
                    <td>{formatDateTime(attempt.at, locale)}</td>
                    <td>{attempt.status_code ?? "—"}</td>
                    <td>{attempt.error ?? "—"}</td>
                    <td>{t("deliveries.ms", { ms: attempt.latency_ms })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {replayError !== null && (
            <p className="error" role="alert">
              {describeError(replayError, tShell)}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button" disabled={replaying || delivery.status === "pending"} onClick={() => onReplay(delivery)}>
              {t("deliveries.replay")}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
