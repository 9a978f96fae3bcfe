/** One case: its facts, SLA standing, and the status moves the user's role allows (resolve,
 * reopen, close), sent with `If-Match` so a change made meanwhile is shown, not overwritten. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { RecordStatus } from "../../components/RecordStatus";
import { formatDateTime } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { ContactLink } from "../contacts/ContactLink";
import { PriorityBadge, SlaDue, StatusBadge } from "./CaseBadges";
import { canWriteCases } from "./permissions";
import { STRINGS } from "./strings";
import { type CaseRecord, isOpenCase } from "./types";

interface Move {
  status: "resolved" | "open" | "closed";
  resolution?: string;
}

/** Whether a failed change lost against another one (stale `If-Match`, or a move no longer allowed). */
function isConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 409 || error.status === 412);
}

function CaseActions({ record }: { record: CaseRecord }) {
  const { t } = useSectionStrings("cases", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const id = useId();
  const [resolution, setResolution] = useState("");
  const key = ["cases", "detail", record.id];
  const move = useMutation({
    mutationFn: (body: Move) =>
      client.request<CaseRecord>(`/api/v1/cases/${encodeURIComponent(record.id)}/status`, {
        method: "POST",
        json: body,
        headers: { "If-Match": `"${record.version}"` },
      }),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      setResolution("");
    },
    onError: (error) => {
      if (isConflict(error)) void queryClient.invalidateQueries({ queryKey: key });
    },
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: ["cases", "list"] }), queryClient.invalidateQueries({ queryKey: ["customer360"] })]),
  });

  function onResolve(event: FormEvent) {
    event.preventDefault();
    move.mutate({ status: "resolved", resolution });
  }

  return (
    <div className="case-actions">
      {isOpenCase(record) && (
        <form onSubmit={onResolve} aria-labelledby={`${id}-resolve`}>
          <h2 id={`${id}-resolve`}>{t("detail.resolve")}</h2>
          <div className="form-field">
            <label htmlFor={`${id}-resolution`}>{t("detail.resolutionLabel")}</label>
            <textarea id={`${id}-resolution`} rows={3} maxLength={2000} value={resolution} onChange={(event) => setResolution(event.target.value)} />
          </div>
          <button type="submit" className="button" disabled={move.isPending}>
            {move.isPending ? t("detail.resolving") : t("detail.resolveSubmit")}
          </button>
        </form>
      )}
      {record.status === "resolved" && (
        <p className="button-row">
          <button type="button" className="button secondary" disabled={move.isPending} onClick={() => move.mutate({ status: "open" })}>
            {t("detail.reopen")}
          </button>
          <button type="button" className="button secondary" disabled={move.isPending} onClick={() => move.mutate({ status: "closed" })}>
            {t("detail.close")}
          </button>
        </p>
      )}
      <div aria-live="polite">
        {move.isError && (
          <p className="error" role="alert">
            {isConflict(move.error) ? t("detail.changed") : describeError(move.error, tShell)}
          </p>
        )}
      </div>
    </div>
  );
}

export function CaseDetail() {
  const { caseId = "" } = useParams();
  const { t } = useSectionStrings("cases", STRINGS);
  const { client, user } = useSession();
  const locale = useLocale();
  const query = useQuery({
    queryKey: ["cases", "detail", caseId],
    queryFn: ({ signal }) => client.request<CaseRecord>(`/api/v1/cases/${encodeURIComponent(caseId)}`, { signal }),
  });
  const record = query.data;

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <p>
        <Link to="/cases">← {t("detail.back")}</Link>
      </p>
      <RecordStatus query={query} title={t("list.title")} />
      {record && (
        <>
          <h1 id="page-title">{record.subject}</h1>
          <p className="badges">
            <PriorityBadge priority={record.priority} /> <StatusBadge status={record.status} /> <SlaDue record={record} />
          </p>
          <dl className="facts">
            <div>
              <dt>{t("detail.type")}</dt>
              <dd>{t(`type.${record.type}`)}</dd>
            </div>
            <div>
              <dt>{t("detail.opened")}</dt>
              <dd>{formatDateTime(record.created_at, locale)}</dd>
            </div>
            {record.contact_id && (
              <div>
                <dt>{t("detail.contact")}</dt>
                <dd>
                  <ContactLink contactId={record.contact_id} />
                </dd>
              </div>
            )}
            {record.account_id && (
              <div>
                <dt>{t("detail.account")}</dt>
                <dd>
                  <Link to={`/accounts/${encodeURIComponent(record.account_id)}`}>{record.account_id}</Link>
                </dd>
              </div>
            )}
            {record.resolved_at && (
              <div>
                <dt>{t("detail.resolvedAt")}</dt>
                <dd>{formatDateTime(record.resolved_at, locale)}</dd>
              </div>
            )}
          </dl>
          {record.description && (
            <>
              <h2>{t("detail.description")}</h2>
              <p className="prose">{record.description}</p>
            </>
          )}
          {record.resolution && (
            <>
              <h2>{t("detail.resolution")}</h2>
              <p className="prose">{record.resolution}</p>
            </>
          )}
          {user && canWriteCases(user) ? <CaseActions record={record} /> : <p className="muted">{t("detail.readOnly")}</p>}
        </>
      )}
    </section>
  );
}
