/** Sales targets per owner and period (a month or a quarter): set, change, delete. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { useCursorList } from "../../api/useCursorList";
import { useUserName, useUsers } from "../../api/users";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { DEFAULT_CURRENCY, formatMoney } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import type { Target } from "./types";
import { useFieldErrors } from "./useFieldErrors";

const KEY = ["settings", "targets"];
/** A month (2026-11) or a quarter (2026-Q4), as the API accepts. */
const PERIOD_PATTERN = "\\d{4}-(0[1-9]|1[0-2]|Q[1-4])";

const targetPath = (owner: string, period: string) => `/api/v1/targets/${encodeURIComponent(owner)}/${encodeURIComponent(period)}` as const;

export function TargetsPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const list = useCursorList<Target>(KEY, "/api/v1/targets", { limit: 100 });
  const users = useUsers(true);
  const [form, setForm] = useState({ owner_id: "", period: "", amount: "", currency: DEFAULT_CURRENCY });
  const [removing, setRemoving] = useState<Target | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });
  const put = useMutation({
    mutationFn: () => client.request<Target>(targetPath(form.owner_id, form.period), { method: "PUT", json: { amount: form.amount, currency: form.currency } }),
    onSuccess: async () => {
      await refresh();
      setForm({ ...form, amount: "" });
    },
  });
  const remove = useMutation({
    mutationFn: (target: Target) => client.request<undefined>(targetPath(target.owner_id, target.period), { method: "DELETE" }),
    onSuccess: async () => {
      await refresh();
      setRemoving(null);
    },
  });
  const errorAt = useFieldErrors(put.error);
  const ownerName = useUserName();
  function submit(event: FormEvent) {
    event.preventDefault();
    put.mutate();
  }
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <h1 id="page-title">{t("targets.title")}</h1>
      <form className="filters" onSubmit={submit} aria-label={t("targets.setTitle")}>
        <FormField label={t("targets.owner")} required>
          {(control) => (
            <select {...control} required value={form.owner_id} onChange={(e) => setForm({ ...form, owner_id: e.target.value })}>
              <option value="">{t("targets.chooseOwner")}</option>
              {(users.data ?? [])
                .filter((user) => user.active)
                .map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.name ? `${user.name} (${user.email})` : user.email}
                  </option>
                ))}
            </select>
          )}
        </FormField>
        <FormField label={t("targets.period")} hint={t("targets.periodHint")} required>
          {(control) => <input {...control} required pattern={PERIOD_PATTERN} size={9} value={form.period} onChange={(e) => setForm({ ...form, period: e.target.value.toUpperCase() })} />}
        </FormField>
        <FormField label={t("targets.amount")} required error={errorAt("amount")}>
          {(control) => <input {...control} required type="number" min={0} step="any" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} />}
        </FormField>
        <FormField label={t("targets.currency")} error={errorAt("currency")}>
          {(control) => <input {...control} required pattern="[A-Z]{3}" size={4} maxLength={3} value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value.toUpperCase() })} />}
        </FormField>
        <button type="submit" className="button" disabled={put.isPending}>
          {t("targets.set")}
        </button>
      </form>
      {put.isError && (
        <p className="error" role="alert">
          {describeError(put.error, tShell)}
        </p>
      )}
      <ListStatus list={list} empty={t("targets.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("targets.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("targets.period")}</th>
              <th scope="col">{t("targets.owner")}</th>
              <th scope="col">{t("targets.amount")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((target) => (
              <tr key={`${target.owner_id}/${target.period}`}>
                <td>{target.period}</td>
                <td>{ownerName(target.owner_id)}</td>
                <td>{formatMoney(target.amount, locale, target.currency)}</td>
                <td>
                  <div className="button-row">
                    <button type="button" className="button secondary small" onClick={() => setForm({ owner_id: target.owner_id, period: target.period, amount: target.amount, currency: target.currency })} aria-label={t("targets.changeLabel", { owner: ownerName(target.owner_id), period: target.period })}>
                      {t("common.edit")}
                    </button>
                    <button type="button" className="button secondary small" onClick={() => setRemoving(target)} aria-label={t("targets.deleteLabel", { owner: ownerName(target.owner_id), period: target.period })}>
                      {t("targets.delete")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("common.loadMore")} loadingLabel={t("common.loadingMore")} />
      {removing !== null && (
        <ConfirmDialog
          title={t("targets.deleteLabel", { owner: ownerName(removing.owner_id), period: removing.period })}
          confirmLabel={t("targets.delete")}
          cancelLabel={t("common.cancel")}
          closeLabel={t("common.close")}
          danger
          busy={remove.isPending}
          error={remove.isError ? describeError(remove.error, tShell) : null}
          onConfirm={() => remove.mutate(removing)}
          onCancel={() => {
            remove.reset();
            setRemoving(null);
          }}
        />
      )}
    </section>
  );
}
