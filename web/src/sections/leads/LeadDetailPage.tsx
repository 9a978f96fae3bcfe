/** One lead: its fields (editable), its score explained, and the actions that work it. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";

import { useUserName } from "../../api/users";
import { useSession } from "../../auth/session";
import { formatDateTime } from "../../format/dates";
import { useLocale } from "../../shell/useLocale";
import { type Lead, type LeadFields, updateLead, useLead } from "./api";
import { AssignControl } from "./AssignControl";
import { RatingBadge, StatusBadge } from "./Badges";
import { ConvertDialog } from "./ConvertDialog";
import { LeadForm } from "./LeadForm";
import { leadName } from "./names";
import { leadPermissions } from "./permissions";
import { ScorePanel } from "./ScorePanel";
import { StatusActions } from "./StatusActions";
import { useLeadStrings } from "./strings";

const SHOWN: readonly (keyof LeadFields)[] = ["email", "phone", "company", "title", "website", "source", "tags", "notes"];

function Details({ lead }: { lead: Lead }) {
  const { t } = useLeadStrings();
  const userName = useUserName();
  const locale = useLocale();
  const value = (name: keyof LeadFields) => {
    const raw = lead[name];
    if (name === "source") return t(`source.${lead.source}`);
    if (Array.isArray(raw)) return raw.join(", ");
    return raw ?? "";
  };
  return (
    <dl className="details">
      {SHOWN.map((name) => (
        <div key={name}>
          <dt>{t(`fields.${name}`)}</dt>
          <dd>{value(name) || <span className="muted">{t("detail.none")}</span>}</dd>
        </div>
      ))}
      <div>
        <dt>{t("fields.owner")}</dt>
        <dd>{lead.owner_id !== null ? userName(lead.owner_id) : <span className="muted">{t("detail.unassigned")}</span>}</dd>
      </div>
      <div>
        <dt>{t("fields.created_at")}</dt>
        <dd>{formatDateTime(lead.created_at, locale)}</dd>
      </div>
    </dl>
  );
}

export function LeadDetailPage() {
  const { leadId = "" } = useParams();
  const { t, describe } = useLeadStrings();
  const { client, user } = useSession();
  const can = leadPermissions(user);
  const queryClient = useQueryClient();
  const query = useLead(leadId);
  const [editing, setEditing] = useState(false);
  const [converting, setConverting] = useState(false);
  const [pending, setPending] = useState(false);

  function changed(lead: Lead) {
    queryClient.setQueryData(["leads", "one", lead.id], lead);
    void queryClient.invalidateQueries({ queryKey: ["leads", "list"] });
  }

  if (query.isPending) return <p role="status">{t("list.loading")}</p>;
  if (query.isError)
    return (
      <div className="leads">
        <h1>{t("detail.title")}</h1>
        <p className="error" role="alert">
          {describe(query.error)}
        </p>
        <Link to="/leads">{t("detail.back")}</Link>
      </div>
    );

  const lead = query.data;
  const converted = lead.status === "converted";
  const writable = can.write && !converted;

  async function save(changes: Partial<LeadFields>) {
    if (Object.keys(changes).length > 0) changed(await updateLead(client, lead, changes));
    setEditing(false);
  }

  return (
    <div className="leads lead-detail">
      <p>
        <Link to="/leads">{t("detail.back")}</Link>
      </p>
      <div className="page-header">
        <h1>{leadName(lead)}</h1>
        <div className="page-actions">
          <StatusBadge status={lead.status} />
          <RatingBadge rating={lead.rating} />
        </div>
      </div>
      {lead.unqualified_reason && lead.status === "unqualified" && <p className="notice">{t("detail.unqualifiedBecause", { reason: lead.unqualified_reason })}</p>}
      {converted && (
        <p className="notice">
          {lead.converted?.contact_id ? <Link to={`/contacts/${encodeURIComponent(lead.converted.contact_id)}`}>{t("detail.openContact")}</Link> : t("detail.contactPending")}
        </p>
      )}
      {pending && !lead.converted?.contact_id && (
        <p role="status" className="notice">
          {t("convert.pending")}
        </p>
      )}
      <div className="detail-grid">
        <section className="card" aria-labelledby="lead-details-title">
          <div className="card-header">
            <h2 id="lead-details-title">{t("detail.details")}</h2>
            {writable && !editing && (
              <button type="button" className="button secondary" onClick={() => setEditing(true)}>
                {t("actions.edit")}
              </button>
            )}
          </div>
          {editing ? <LeadForm lead={lead} submitLabel={t("actions.save")} onSubmit={save} onCancel={() => setEditing(false)} /> : <Details lead={lead} />}
        </section>
        <ScorePanel lead={lead} />
        {writable && (
          <section className="card" aria-labelledby="lead-work-title">
            <h2 id="lead-work-title">{t("detail.work")}</h2>
            <StatusActions lead={lead} onChanged={changed} />
            <AssignControl key={lead.owner_id ?? ""} lead={lead} onChanged={changed} />
            {lead.status !== "unqualified" && (
              <button type="button" className="button" onClick={() => setConverting(true)}>
                {t("convert.open")}
              </button>
            )}
          </section>
        )}
      </div>
      {converting && (
        <ConvertDialog
          lead={lead}
          onClose={() => setConverting(false)}
          onPending={(next) => {
            setConverting(false);
            setPending(true);
            changed(next);
          }}
        />
      )}
    </div>
  );
}
