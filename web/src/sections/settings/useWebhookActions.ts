/** What can be done to one subscription (each sent with `If-Match` of the version shown). */
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { useSession } from "../../auth/session";
import type { Delivery, Webhook, WebhookWithSecret } from "./types";

/** The cache keys of the webhook pages. */
export const webhookKeys = {
  all: ["settings", "webhooks"] as const,
  one: (id: string) => ["settings", "webhooks", "one", id] as const,
  deliveries: (id: string) => ["settings", "webhooks", "deliveries", id] as const,
};

export function useWebhookActions(webhook: Webhook | undefined) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const path = `/api/v1/webhooks/${encodeURIComponent(webhook?.id ?? "")}` as const;
  const ifMatch = { "If-Match": `"${webhook?.version ?? 0}"` };
  // a first read still on its way would be reused as is and miss the change: cancel it, read again
  const refresh = async () => {
    await queryClient.cancelQueries({ queryKey: webhookKeys.all });
    await queryClient.invalidateQueries({ queryKey: webhookKeys.all });
  };
  return {
    setActive: useMutation({
      mutationFn: (active: boolean) => client.request<Webhook>(path, { method: "PATCH", json: { active }, headers: ifMatch }),
      onSettled: refresh,
    }),
    rotate: useMutation({
      mutationFn: () => client.request<WebhookWithSecret>(`${path}/rotate-secret`, { method: "POST", headers: ifMatch }),
      onSettled: refresh,
    }),
    sendTest: useMutation({
      mutationFn: () => client.request<{ delivery_id: string }>(`${path}/test`, { method: "POST" }),
      onSettled: refresh,
    }),
    remove: useMutation({
      mutationFn: () => client.request<undefined>(path, { method: "DELETE", headers: ifMatch }),
      onSuccess: refresh,
    }),
    replay: useMutation({
      mutationFn: (delivery: Delivery) => client.request<Delivery>(`${path}/deliveries/${encodeURIComponent(delivery.id)}/replay`, { method: "POST" }),
      onSettled: refresh,
    }),
  };
}
