/** Subscribe a URL to event types, or change a subscription (URL, event types, description). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { newIdempotencyKey } from "../../api/idempotencyKey";
import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { Webhook, WebhookWithSecret } from "./types";
import { useFieldErrors } from "./useFieldErrors";

/** Event type patterns from what the user typed (commas, spaces or lines between them). */
export function eventPatterns(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

export interface WebhookDialogProps {
  /** The subscription to change; null to create one. */
  webhook: Webhook | null;
  onClose: () => void;
  /** After a create: the new subscription with its secret. */
  onCreated?: (created: WebhookWithSecret) => void;
}

export function WebhookDialog({ webhook, onClose, onCreated }: WebhookDialogProps) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [form, setForm] = useState({ url: webhook?.url ?? "", events: webhook?.event_types.join(", ") ?? "", description: webhook?.description ?? "" });
  const save = useMutation({
    mutationFn: () => {
      const body = { url: form.url.trim(), event_types: eventPatterns(form.events), description: form.description };
      return webhook === null
        ? client.request<WebhookWithSecret>("/api/v1/webhooks", { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey } })
        : client.request<Webhook>(`/api/v1/webhooks/${encodeURIComponent(webhook.id)}`, { method: "PATCH", json: body, headers: { "If-Match": `"${webhook.version}"` } });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["settings", "webhooks"] });
      if (webhook === null) onCreated?.(saved as WebhookWithSecret);
      onClose();
    },
  });
  const errorAt = useFieldErrors(save.error);
  const detail = save.error instanceof ApiError && save.error.status === 422 && save.error.detail ? ` ${save.error.detail}` : "";
  return (
    <ConfirmDialog
      title={webhook === null ? t("webhooks.createTitle") : t("webhooks.editTitle")}
      onCancel={onClose}
      closeLabel={t("common.close")}
      cancelLabel={t("common.cancel")}
      confirmLabel={webhook === null ? t("webhooks.create") : t("common.save")}
      onConfirm={() => save.mutate()}
      busy={save.isPending}
      error={save.isError ? describeError(save.error, tShell) + detail : null}
    >
      <FormField label={t("webhooks.url")} hint={t("webhooks.urlHint")} required error={errorAt("url")}>
        {(control) => <input {...control} type="url" required maxLength={2048} value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} />}
      </FormField>
      <FormField label={t("webhooks.events")} hint={t("webhooks.eventsHint")} required error={errorAt("event_types")}>
        {(control) => <input {...control} required value={form.events} onChange={(e) => setForm({ ...form, events: e.target.value })} />}
      </FormField>
      <FormField label={t("webhooks.description")} error={errorAt("description")}>
        {(control) => <input {...control} maxLength={500} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
      </FormField>
    </ConfirmDialog>
  );
}
