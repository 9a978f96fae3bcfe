/** Webhook subscriptions: the list, and a new one (its signing secret shown once). */
import { useState } from "react";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { SecretPanel } from "./SecretPanel";
import { STRINGS } from "./strings";
import type { Webhook } from "./types";
import { WebhookDialog } from "./WebhookDialog";
import { WebhookState } from "./WebhookState";

export function WebhooksPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const list = useCursorList<Webhook>(["settings", "webhooks", "list"], "/api/v1/webhooks", { limit: 100 });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("webhooks.title")}</h1>
        <button type="button" className="button" onClick={() => setCreating(true)}>
          {t("webhooks.create")}
        </button>
      </div>
      {secret !== null && <SecretPanel label={t("webhooks.secretLabel")} secret={secret} onDone={() => setSecret(null)} />}
      <ListStatus list={list} empty={t("webhooks.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("webhooks.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("webhooks.url")}</th>
              <th scope="col">{t("webhooks.events")}</th>
              <th scope="col">{t("webhooks.state")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((webhook) => (
              <tr key={webhook.id}>
                <td>
                  <Link to={`/settings/webhooks/${encodeURIComponent(webhook.id)}`}>{webhook.url}</Link>
                  {webhook.description && <div className="muted">{webhook.description}</div>}
                </td>
                <td>{webhook.event_types.join(", ")}</td>
                <td>
                  <WebhookState webhook={webhook} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("common.loadMore")} loadingLabel={t("common.loadingMore")} />
      {creating && <WebhookDialog webhook={null} onClose={() => setCreating(false)} onCreated={(created) => setSecret(created.secret)} />}
    </section>
  );
}
