/** Give the lead an owner: managers pick any active user; sales may take it themselves. */
import { type FormEvent, useState } from "react";

import { useSession } from "../../auth/session";
import { useUsers } from "../../api/users";
import { assignLead, type Lead } from "./api";
import { leadPermissions } from "./permissions";
import { useLeadStrings } from "./strings";

interface Props {
  lead: Lead;
  onChanged: (lead: Lead) => void;
}

export function AssignControl({ lead, onChanged }: Props) {
  const { t, describe } = useLeadStrings();
  const { client, user } = useSession();
  const can = leadPermissions(user);
  const users = useUsers(can.assignOthers);
  const [owner, setOwner] = useState(lead.owner_id ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function assign(ownerId: string) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await assignLead(client, lead, ownerId));
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (owner && owner !== lead.owner_id) void assign(owner);
  }

  const errorLine = error !== null && (
    <p className="error" role="alert">
      {error}
    </p>
  );
  if (!can.assignOthers) {
    if (user === null || lead.owner_id === user.id) return null;
    return (
      <div className="assign">
        <button type="button" className="button secondary" disabled={busy} onClick={() => void assign(user.id)}>
          {t("assign.toMe")}
        </button>
        {errorLine}
      </div>
    );
  }
  const options = (users.data ?? []).filter((item) => item.active);
  return (
    <form className="assign" onSubmit={submit}>
      <label className="filter">
        <span>{t("assign.owner")}</span>
        <select value={owner} onChange={(event) => setOwner(event.target.value)} disabled={busy || users.isPending}>
          <option value="" disabled>
            {users.isPending ? t("list.loading") : t("assign.choose")}
          </option>
          {lead.owner_id !== null && !options.some((item) => item.id === lead.owner_id) && <option value={lead.owner_id}>{lead.owner_id}</option>}
          {options.map((item) => (
            <option key={item.id} value={item.id}>
              {item.name ? `${item.name} (${item.email})` : item.email}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button secondary" disabled={busy || !owner || owner === lead.owner_id}>
        {t("assign.submit")}
      </button>
      {users.isError && <p className="error">{describe(users.error)}</p>}
      {errorLine}
    </form>
  );
}
