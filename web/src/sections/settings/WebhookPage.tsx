/** One webhook subscription: its settings and actions (edit, disable, rotate the secret, send
 * a test, delete) and its delivery log with each delivery's attempts and Replay. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { RecordStatus } from "../../components/RecordStatus";
import { formatDateTime } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { DeliveryDialog } from "./DeliveryDialog";
import { SecretPanel } from "./SecretPanel";
import { STRINGS } from "./strings";
import type { Delivery, Webhook } from "./types";
import { useWebhookActions, webhookKeys } from "./useWebhookActions";
import { WebhookDialog } from "./WebhookDialog";
import { WebhookState } from "./WebhookState";

/** How often the log is read again while a delivery is still pending. */
const PENDING_REFRESH_MS = 1000;

export function WebhookPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const locale = useLocale();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const webhookId = useParams().recordId ?? "";
  const query = useQuery({
    queryKey: webhookKeys.one(webhookId),
    queryFn: ({ signal }) => client.request<Webhook>(`/api/v1/webhooks/${encodeURIComponent(webhookId)}`, { signal }),
  });
  const webhook = query.data;
  const deliveries = useCursorList<Delivery>(webhookKeys.deliveries(webhookId), `/api/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`, { limit: 50 });
  const actions = useWebhookActions(webhook);
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "delete" | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const pending = deliveries.items.some((delivery) => delivery.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(webhookId) }), PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pending, deliveries.items, queryClient, webhookId]);

  const confirmAction = confirm === "rotate" ? actions.rotate : confirm === "delete" ? actions.remove : null;
  const failed = [actions.setActive, actions.sendTest, actions.replay].find((action) => action.isError);
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <p>
        <Link to="/settings/webhooks">← {t("webhooks.back")}</Link>
      </p>
      <RecordStatus query={query} title={t("webhooks.title")} />
      {webhook && (
        <>
          <h1 id="page-title">{webhook.url}</h1>
          <dl className="facts">
            <dt>{t("webhooks.events")}</dt>
            <dd>{webhook.event_types.join(", ")}</dd>
            <dt>{t("webhooks.state")}</dt>
            <dd>
              <WebhookState webhook={webhook} />
            </dd>
            <dt>{t("webhooks.description")}</dt>
            <dd>{webhook.description ?? "—"}</dd>
          </dl>
          <div className="button-row">
            <button type="button" className="button secondary" onClick={() => setEditing(true)}>
              {t("common.edit")}
            </button>
            <button type="button" className="button secondary" disabled={actions.setActive.isPending} onClick={() => actions.setActive.mutate(!webhook.active)}>
              {webhook.active ? t("webhooks.disable") : t("webhooks.enable")}
            </button>
            <button type="button" className="button secondary" disabled={actions.sendTest.isPending} onClick={() => actions.sendTest.mutate()}>
              {t("webhooks.sendTest")}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirm("rotate")}>
              {t("webhooks.rotate")}
            </button>
            <button type="button" className="button danger" onClick={() => setConfirm("delete")}>
              {t("webhooks.delete")}
            </button>
          </div>
          {actions.sendTest.isSuccess && (
            <p className="notice" role="status">
              {t("webhooks.testQueued")}
            </p>
          )}
          {failed && (
            <p className="error" role="alert">
              {describeError(failed.error, tShell)}
            </p>
          )}
          {secret !== null && <SecretPanel label={t("webhooks.secretLabel")} secret={secret} onDone={() => setSecret(null)} />}
        </>
      )}
      <h2 className="settings-section">{t("deliveries.title")}</h2>
      <ListStatus list={deliveries} empty={t("deliveries.empty")} />
      {deliveries.items.length > 0 && (
        <table className="data-table">
          <caption>{t("deliveries.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("deliveries.time")}</th>
              <th scope="col">{t("deliveries.event")}</th>
              <th scope="col">{t("deliveries.status")}</th>
              <th scope="col">{t("deliveries.attempts")}</th>
              <th scope="col">{t("deliveries.responseCode")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.items.map((delivery) => (
              <tr key={delivery.id}>
                <td>{formatDateTime(delivery.created_at, locale)}</td>
                <td>{delivery.event_type}</td>
                <td className={`status-${delivery.status}`}>{t(`deliveries.statuses.${delivery.status}`)}</td>
                <td>{delivery.attempts.length}</td>
                <td>{delivery.last_status ?? "—"}</td>
                <td>
                  <div className="button-row">
                    <button type="button" className="button secondary small" onClick={() => setShown(delivery.id)} aria-label={t("deliveries.detailsLabel", { event: delivery.event_type, time: formatDateTime(delivery.created_at, locale) })}>
                      {t("deliveries.details")}
                    </button>
                    <button type="button" className="button secondary small" disabled={delivery.status === "pending" || actions.replay.isPending} onClick={() => actions.replay.mutate(delivery)} aria-label={t("deliveries.replayLabel", { event: delivery.event_type, time: formatDateTime(delivery.created_at, locale) })}>
                      {t("deliveries.replay")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={deliveries.hasMore} loading={deliveries.loadingMore} onLoadMore={deliveries.loadMore} label={t("common.loadMore")} loadingLabel={t("common.loadingMore")} />
      {editing && webhook && <WebhookDialog webhook={webhook} onClose={() => setEditing(false)} />}
      {shown !== null && (
        <DeliveryDialog
          webhookId={webhookId}
          deliveryId={shown}
          replaying={actions.replay.isPending}
          replayError={actions.replay.error}
          onReplay={(delivery) => actions.replay.mutate(delivery)}
          onClose={() => setShown(null)}
        />
      )}
      {confirm !== null && webhook && (
        <ConfirmDialog
          title={confirm === "rotate" ? t("webhooks.rotateTitle") : t("webhooks.deleteTitle")}
          message={confirm === "rotate" ? t("webhooks.rotateMessage") : t("webhooks.deleteMessage")}
          confirmLabel={confirm === "rotate" ? t("webhooks.rotate") : t("webhooks.delete")}
          cancelLabel={t("common.cancel")}
          closeLabel={t("common.close")}
          danger={confirm === "delete"}
          busy={actions.rotate.isPending || actions.remove.isPending}
          error={confirmAction?.isError ? describeError(confirmAction.error, tShell) : null}
          onConfirm={() => {
            if (confirm === "rotate") {
              actions.rotate.mutate(undefined, {
                onSuccess: (rotated) => {
                  setSecret(rotated.secret);
                  setConfirm(null);
                },
              });
            } else {
              actions.remove.mutate(undefined, { onSuccess: () => void navigate("/settings/webhooks") });
            }
          }}
          onCancel={() => setConfirm(null)}
        />
      )}
    </section>
  );
}
