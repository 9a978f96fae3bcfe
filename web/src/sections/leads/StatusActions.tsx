/** Move a lead through its statuses: contacted, qualified, unqualified (with a reason), reopen. */
import { useState } from "react";

import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { changeStatus, type Lead, type LeadStatus } from "./api";
import { useLeadStrings } from "./strings";

/** The manual moves the API allows from each status (conversion has its own action). */
export const NEXT_STATUSES: Record<LeadStatus, readonly LeadStatus[]> = {
  new: ["contacted", "qualified", "unqualified"],
  contacted: ["qualified", "unqualified"],
  qualified: ["contacted", "unqualified"],
  unqualified: ["new", "contacted"],
  converted: [],
};

interface Props {
  lead: Lead;
  onChanged: (lead: Lead) => void;
}

export function StatusActions({ lead, onChanged }: Props) {
  const { t, describe } = useLeadStrings();
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);

  async function move(status: LeadStatus, why?: string) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await changeStatus(client, lead, status, why));
      setAsking(false);
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  }

  function confirmUnqualify() {
    if (!reason.trim()) {
      setReasonError(t("status.reasonRequired"));
      return;
    }
    void move("unqualified", reason.trim());
  }

  return (
    <div className="status-actions">
      {NEXT_STATUSES[lead.status].map((status) => (
        <button
          key={status}
          type="button"
          className="button secondary"
          disabled={busy}
          onClick={() => {
            if (status !== "unqualified") return void move(status);
            setError(null);
            setReason("");
            setReasonError(null);
            setAsking(true);
          }}
        >
          {t(`status.moveTo.${status}`)}
        </button>
      ))}
      {error !== null && !asking && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {asking && (
        <ConfirmDialog
          title={t("status.unqualifyTitle")}
          message={t("status.unqualifyMessage")}
          confirmLabel={t("status.moveTo.unqualified")}
          cancelLabel={t("actions.cancel")}
          closeLabel={t("actions.close")}
          onConfirm={confirmUnqualify}
          onCancel={() => setAsking(false)}
          busy={busy}
          error={error}
        >
          <FormField label={t("status.reason")} error={reasonError} required>
            {(control) => <textarea {...control} rows={3} maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />}
          </FormField>
        </ConfirmDialog>
      )}
    </div>
  );
}
