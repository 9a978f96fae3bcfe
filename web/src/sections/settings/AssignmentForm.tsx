/** Round-robin lead assignment: the owners taking turns, and whether new leads are assigned. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";

import { displayName, useUsers } from "../../api/users";
import { useSession } from "../../auth/session";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { AssignmentConfig } from "./types";

const KEY = ["settings", "assignment"];

function AssignmentFields({ config }: { config: AssignmentConfig }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const users = useUsers(true);
  const [form, setForm] = useState(config);
  const save = useMutation({
    mutationFn: () => client.request<AssignmentConfig>("/api/v1/leads/config/assignment", { method: "PUT", json: form }),
    onSuccess: (saved) => queryClient.setQueryData(KEY, saved),
  });
  const toggle = (id: string) =>
    setForm({ ...form, round_robin_owners: form.round_robin_owners.includes(id) ? form.round_robin_owners.filter((owner) => owner !== id) : [...form.round_robin_owners, id] });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  const candidates = (users.data ?? []).filter((user) => user.active || form.round_robin_owners.includes(user.id));
  return (
    <form onSubmit={submit} aria-labelledby="assignment-title">
      <h2 id="assignment-title" className="settings-section">
        {t("assignment.title")}
      </h2>
      <fieldset className="role-choices">
        <legend>{t("assignment.owners")}</legend>
        {candidates.length === 0 && <span>{t("assignment.noUsers")}</span>}
        {candidates.map((user) => (
          <label key={user.id} className="checkbox">
            <input type="checkbox" checked={form.round_robin_owners.includes(user.id)} onChange={() => toggle(user.id)} />
            {displayName(user)}
          </label>
        ))}
      </fieldset>
      <p>
        <label className="checkbox">
          <input type="checkbox" checked={form.auto_assign} onChange={(e) => setForm({ ...form, auto_assign: e.target.checked })} />
          {t("assignment.auto")}
        </label>
      </p>
      {save.isError && (
        <p className="error" role="alert">
          {describeError(save.error, tShell)}
        </p>
      )}
      {save.isSuccess && (
        <p className="notice" role="status">
          {t("assignment.saved")}
        </p>
      )}
      <p>
        <button type="submit" className="button" disabled={save.isPending}>
          {t("assignment.save")}
        </button>
      </p>
    </form>
  );
}

export function AssignmentForm() {
  const { client } = useSession();
  const query = useQuery({ queryKey: KEY, queryFn: ({ signal }) => client.request<AssignmentConfig>("/api/v1/leads/config/assignment", { signal }) });
  return query.data ? <AssignmentFields config={query.data} /> : null;
}
