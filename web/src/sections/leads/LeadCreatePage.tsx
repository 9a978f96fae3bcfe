/** A new lead: the form, then the lead's page. */
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";

import { useSession } from "../../auth/session";
import { createLead, type LeadFields } from "./api";
import { LeadForm } from "./LeadForm";
import { useLeadStrings } from "./strings";

export function LeadCreatePage() {
  const { t } = useLeadStrings();
  const { client } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  async function create(fields: Partial<LeadFields>) {
    const lead = await createLead(client, fields);
    await queryClient.invalidateQueries({ queryKey: ["leads", "list"] });
    queryClient.setQueryData(["leads", "one", lead.id], lead);
    navigate(`/leads/${lead.id}`);
  }

  return (
    <div className="leads">
      <h1>{t("create.title")}</h1>
      <LeadForm lead={null} submitLabel={t("create.submit")} onSubmit={create} onCancel={() => navigate("/leads")} />
    </div>
  );
}
