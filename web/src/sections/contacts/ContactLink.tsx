/** A link to a contact by its name (its id until the name is known, or if it cannot be read). */
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { useSession } from "../../auth/session";
import { type Contact, contactName } from "./types";

export function ContactLink({ contactId }: { contactId: string }) {
  const { client } = useSession();
  const query = useQuery({
    queryKey: ["contacts", "detail", contactId],
    queryFn: ({ signal }) => client.request<Contact>(`/api/v1/contacts/${encodeURIComponent(contactId)}`, { signal }),
  });
  return <Link to={`/contacts/${encodeURIComponent(contactId)}`}>{query.data ? contactName(query.data) : contactId}</Link>;
}
