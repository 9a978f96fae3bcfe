/** A marketing page that creates a record, or edits the one `path` reads: the section's
 * navigation, a link back, then `creating` or, once read, `editing(record)`. */
import { type QueryKey, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";

import type { ApiPath } from "../../api/client";
import { useSession } from "../../auth/session";
import { RecordStatus } from "../../components/RecordStatus";
import { SectionNav } from "./SectionNav";

interface EditorPageProps<T> {
  /** The record's API path; null on a page that creates one. */
  path: ApiPath | null;
  queryKey: QueryKey;
  back: { to: string; label: string };
  /** The heading shown when the record cannot be read. */
  listTitle: string;
  creating: ReactNode;
  editing: (record: T) => ReactNode;
}

export function EditorPage<T>({ path, queryKey, back, listTitle, creating, editing }: EditorPageProps<T>) {
  const { client } = useSession();
  const query = useQuery({
    queryKey,
    enabled: path !== null,
    queryFn: ({ signal }) => client.request<T>(path ?? "/api/v1/", { signal }),
  });
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={path !== null && query.isPending}>
      <SectionNav />
      <p>
        <Link to={back.to}>← {back.label}</Link>
      </p>
      {path === null ? (
        creating
      ) : (
        <>
          <RecordStatus query={query} title={listTitle} />
          {query.data !== undefined && editing(query.data)}
        </>
      )}
    </section>
  );
}
