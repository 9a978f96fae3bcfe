/** Add a user (e-mail, name, roles, initial password) or change a user's name and roles. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { User } from "../../api/users";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import { USER_ROLES } from "./types";
import { useFieldErrors } from "./useFieldErrors";

/** The gateway's shortest accepted password. */
const MIN_PASSWORD = 12;

export function UserDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: "", name: user?.name ?? "", password: "", roles: user?.roles ?? ["sales"] });
  const save = useMutation({
    mutationFn: () =>
      user === null
        ? client.request<User>("/api/v1/users", { method: "POST", json: { email: form.email, name: form.name || null, roles: form.roles, password: form.password } })
        : client.request<User>(`/api/v1/users/${encodeURIComponent(user.id)}`, { method: "PATCH", json: { name: form.name || null, roles: form.roles } }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["users"] });
      onClose();
    },
  });
  const errorAt = useFieldErrors(save.error);
  const toggleRole = (role: string) =>
    setForm((current) => ({ ...current, roles: current.roles.includes(role) ? current.roles.filter((r) => r !== role) : [...current.roles, role] }));
  return (
    <ConfirmDialog
      title={user === null ? t("users.addTitle") : t("users.editTitle", { email: user.email })}
      onCancel={onClose}
      closeLabel={t("common.close")}
      cancelLabel={t("common.cancel")}
      confirmLabel={user === null ? t("users.add") : t("common.save")}
      onConfirm={() => save.mutate()}
      busy={save.isPending}
      error={save.isError ? describeError(save.error, tShell) : null} confirmDisabled={form.roles.length === 0}
    >
      {user === null && (
        <FormField label={t("users.email")} required error={errorAt("email")}>
          {(control) => <input {...control} type="email" required maxLength={320} autoComplete="off" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />}
        </FormField>
      )}
      <FormField label={t("users.name")} error={errorAt("name")}>
        {(control) => <input {...control} maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
      </FormField>
      <fieldset className="role-choices">
        <legend>{t("users.roles")}</legend>
        {USER_ROLES.map((role) => (
          <label key={role} className="checkbox">
            <input type="checkbox" checked={form.roles.includes(role)} onChange={() => toggleRole(role)} />
            {t(`roles.${role}`)}
          </label>
        ))}
      </fieldset>
      {errorAt("roles") && <p className="field-error">{errorAt("roles")}</p>}
      {user === null && (
        <FormField label={t("users.password")} hint={t("users.passwordHint", { min: MIN_PASSWORD })} required error={errorAt("password")}>
          {(control) => <input {...control} type="password" required minLength={MIN_PASSWORD} maxLength={256} autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />}
        </FormField>
      )}
    </ConfirmDialog>
  );
}
