/** Integration API keys: create one with scopes (its secret shown once), revoke one. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { ListStatus } from "../../components/ListStatus";
import { formatDateTime } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { SecretPanel } from "./SecretPanel";
import { STRINGS } from "./strings";
import { API_KEY_SCOPES, type ApiKey } from "./types";
import { useFieldErrors } from "./useFieldErrors";

const KEYS = ["settings", "api-keys"];

function NewKeyDialog({ onCreated, onClose }: { onCreated: (key: string) => void; onClose: () => void }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: () => client.request<ApiKey & { key: string }>("/api/v1/api-keys", { method: "POST", json: { name, scopes } }),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: KEYS });
      onCreated(created.key);
    },
  });
  const errorAt = useFieldErrors(create.error);
  return (
    <ConfirmDialog
      title={t("apiKeys.createTitle")}
      onCancel={onClose}
      closeLabel={t("common.close")}
      cancelLabel={t("common.cancel")}
      confirmLabel={t("apiKeys.create")}
      onConfirm={() => create.mutate()}
      busy={create.isPending}
      error={create.isError ? describeError(create.error, tShell) : null} confirmDisabled={scopes.length === 0}
    >
      <FormField label={t("apiKeys.name")} required error={errorAt("name")}>
        {(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
      <fieldset className="role-choices">
        <legend>{t("apiKeys.scopes")}</legend>
        {API_KEY_SCOPES.map((scope) => (
          <label key={scope} className="checkbox">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={() => setScopes(scopes.includes(scope) ? scopes.filter((s) => s !== scope) : [...scopes, scope])} />
            {t(`scopes.${scope.replace(":", "_")}`)}
          </label>
        ))}
      </fieldset>
    </ConfirmDialog>
  );
}

export function ApiKeysPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const list = useCursorList<ApiKey>(KEYS, "/api/v1/api-keys", {});
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => client.request<ApiKey>(`/api/v1/api-keys/${encodeURIComponent(key.id)}`, { method: "DELETE" }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: KEYS });
      setRevoking(null);
    },
  });
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("apiKeys.title")}</h1>
        <button type="button" className="button" onClick={() => setCreating(true)}>
          {t("apiKeys.create")}
        </button>
      </div>
      {secret !== null && <SecretPanel label={t("apiKeys.secretLabel")} secret={secret} onDone={() => setSecret(null)} />}
      <ListStatus list={list} empty={t("apiKeys.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("apiKeys.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("apiKeys.name")}</th>
              <th scope="col">{t("apiKeys.prefix")}</th>
              <th scope="col">{t("apiKeys.scopes")}</th>
              <th scope="col">{t("apiKeys.created")}</th>
              <th scope="col">{t("apiKeys.lastUsed")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(", ")}</td>
                <td>{formatDateTime(key.created_at, locale)}</td>
                <td>{key.last_used_at ? formatDateTime(key.last_used_at, locale) : t("apiKeys.never")}</td>
                <td>
                  {key.revoked_at ? (
                    t("apiKeys.revokedAt", { time: formatDateTime(key.revoked_at, locale) })
                  ) : (
                    <button type="button" className="button secondary small" onClick={() => setRevoking(key)} aria-label={t("apiKeys.revokeLabel", { name: key.name })}>
                      {t("apiKeys.revoke")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <NewKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setSecret(key);
          }}
        />
      )}
      {revoking !== null && (
        <ConfirmDialog
          title={t("apiKeys.revokeTitle", { name: revoking.name })}
          message={t("apiKeys.revokeMessage")}
          confirmLabel={t("apiKeys.revoke")}
          cancelLabel={t("common.cancel")}
          closeLabel={t("common.close")}
          danger
          busy={revoke.isPending}
          error={revoke.isError ? describeError(revoke.error, tShell) : null}
          onConfirm={() => revoke.mutate(revoking)}
          onCancel={() => {
            revoke.reset();
            setRevoking(null);
          }}
        />
      )}
    </section>
  );
}
