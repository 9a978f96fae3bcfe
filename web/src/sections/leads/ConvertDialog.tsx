/** Convert a lead into a contact, with an account (new or existing) and an optional deal; then
 * wait for the contacts service to create the contact (it reacts to LeadConverted) and open it. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";

import type { ApiClient, ApiPath } from "../../api/client";
import type { CursorPage } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { DEFAULT_CURRENCY } from "../../format/money";
import { fieldErrorsByName } from "../../i18n/describeError";
import { convertLead, type ConvertRequest, type Lead, leadPath } from "./api";
import { useLeadStrings } from "./strings";

interface Account {
  id: string;
  name: string;
}

/** Poll the lead until its conversion names the contact; null when `timeoutMs` passes first. */
export async function waitForContact(client: ApiClient, leadId: string, { timeoutMs = 20_000, intervalMs = 400 } = {}): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lead = await client.request<Lead>(leadPath(leadId));
    if (lead.converted?.contact_id) return lead.converted.contact_id;
    if (Date.now() + intervalMs > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const AMOUNT = /^\d+(\.\d{1,2})?$/;

interface Props {
  lead: Lead;
  onClose: () => void;
  /** The lead was converted but its contact did not appear in time. */
  onPending: (lead: Lead) => void;
}

export function ConvertDialog({ lead, onClose, onPending }: Props) {
  const { t, describe } = useLeadStrings();
  const { client } = useSession();
  const navigate = useNavigate();
  const [accountMode, setAccountMode] = useState<"new" | "existing">("new");
  const [accountName, setAccountName] = useState(lead.company ?? "");
  const [accountQuery, setAccountQuery] = useState(lead.company ?? "");
  const [existing, setExisting] = useState<Account | null>(null);
  const [withDeal, setWithDeal] = useState(false);
  const [deal, setDeal] = useState({ name: "", amount: "", closeDate: "" });
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [waiting, setWaiting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const search = accountQuery.trim();
  const accounts = useQuery({
    queryKey: ["accounts", "search", search],
    enabled: accountMode === "existing",
    queryFn: ({ signal }) => {
      const query = new URLSearchParams({ limit: "20", sort: "name", ...(search ? { q: search } : {}) });
      return client.request<CursorPage<Account>>(`/api/v1/accounts?${query.toString()}` as ApiPath, { signal });
    },
  });

  function request(): ConvertRequest | null {
    const problems: Record<string, string> = {};
    const body: ConvertRequest = {};
    if (accountMode === "new" && accountName.trim()) body.account_name = accountName.trim();
    if (accountMode === "existing") {
      if (existing !== null) {
        body.account_id = existing.id;
        body.account_name = existing.name;
      } else problems["account"] = t("convert.chooseAccount");
    }
    if (withDeal) {
      if (!deal.name.trim()) problems["deal_name"] = t("convert.required");
      if (!AMOUNT.test(deal.amount.trim())) problems["amount"] = t("convert.amountInvalid");
      body.create_deal = {
        name: deal.name.trim(),
        amount: deal.amount.trim(),
        currency: DEFAULT_CURRENCY,
        ...(deal.closeDate ? { expected_close_date: deal.closeDate } : {}),
      };
    }
    setInvalid(problems);
    return Object.keys(problems).length === 0 ? body : null;
  }

  async function convert() {
    const body = request();
    if (body === null) return;
    setBusy(true);
    setError(null);
    try {
      const converted = await convertLead(client, lead, body);
      setWaiting(true);
      const contactId = await waitForContact(client, lead.id);
      if (contactId === null) onPending(converted);
      else navigate(`/contacts/${encodeURIComponent(contactId)}`);
    } catch (caught) {
      const fields = fieldErrorsByName(caught);
      setError(fields["amount"] ? t("convert.amountInvalid") : describe(caught));
      setBusy(false);
      setWaiting(false);
    }
  }

  return (
    <ConfirmDialog
      title={t("convert.title")}
      confirmLabel={waiting ? t("convert.waiting") : t("convert.submit")}
      cancelLabel={t("actions.cancel")}
      closeLabel={t("actions.close")}
      onConfirm={() => void convert()}
      onCancel={onClose}
      busy={busy}
      error={error}
    >
      <fieldset>
        <legend>{t("convert.account")}</legend>
        <label className="choice">
          <input type="radio" name="account-mode" checked={accountMode === "new"} onChange={() => setAccountMode("new")} />
          {t("convert.newAccount")}
        </label>
        <label className="choice">
          <input type="radio" name="account-mode" checked={accountMode === "existing"} onChange={() => setAccountMode("existing")} />
          {t("convert.existingAccount")}
        </label>
        {accountMode === "new" ? (
          <FormField label={t("convert.accountName")} hint={t("convert.accountNameHint")}>
            {(control) => <input {...control} value={accountName} onChange={(event) => setAccountName(event.target.value)} />}
          </FormField>
        ) : (
          <>
            <FormField label={t("convert.accountSearch")}>
              {(control) => <input {...control} type="search" value={accountQuery} onChange={(event) => setAccountQuery(event.target.value)} />}
            </FormField>
            <FormField label={t("convert.accountPick")} error={invalid["account"] ?? (accounts.isError ? describe(accounts.error) : null)}>
              {(control) => (
                <select {...control} value={existing?.id ?? ""} onChange={(event) => setExisting(accounts.data?.items.find((account) => account.id === event.target.value) ?? null)}>
                  <option value="">{accounts.isPending ? t("list.loading") : t("convert.accountNone", { count: accounts.data?.items.length ?? 0 })}</option>
                  {(accounts.data?.items ?? []).map((account) => (
                    <option key={account.id} value={account.id}>
                      {account.name}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>{t("convert.deal")}</legend>
        <label className="choice">
          <input type="checkbox" checked={withDeal} onChange={(event) => setWithDeal(event.target.checked)} />
          {t("convert.withDeal")}
        </label>
        {withDeal && (
          <>
            <FormField label={t("convert.dealName")} error={invalid["deal_name"] ?? null} required>
              {(control) => <input {...control} value={deal.name} onChange={(event) => setDeal({ ...deal, name: event.target.value })} />}
            </FormField>
            <FormField label={t("convert.amount", { currency: DEFAULT_CURRENCY })} hint={t("convert.amountHint")} error={invalid["amount"] ?? null} required>
              {(control) => <input {...control} inputMode="decimal" value={deal.amount} onChange={(event) => setDeal({ ...deal, amount: event.target.value })} />}
            </FormField>
            <FormField label={t("convert.closeDate")}>
              {(control) => <input {...control} type="date" value={deal.closeDate} onChange={(event) => setDeal({ ...deal, closeDate: event.target.value })} />}
            </FormField>
            <p className="muted">{t("convert.pipelineNote")}</p>
          </>
        )}
      </fieldset>
      {waiting && (
        <p role="status" className="notice">
          {t("convert.waitingContact")}
        </p>
      )}
    </ConfirmDialog>
  );
}
