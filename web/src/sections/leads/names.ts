/** How a lead is named on screen. */
import type { LeadFields } from "./api";

export function leadName(lead: Pick<LeadFields, "first_name" | "last_name">): string {
  return [lead.first_name, lead.last_name].filter(Boolean).join(" ");
}
