/**
 * Build a segment from nested all/any groups of conditions, with the audience those rules
 * select now (a live count and a sample, asked once editing pauses) and save it; an
 * existing dynamic segment opens with its rules and saves with `If-Match`.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { useSession } from "../../auth/session";
import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { EditorPage } from "./EditorPage";
import { canWriteMarketing } from "./permissions";
import { RuleGroupEditor } from "./RuleGroupEditor";
import { conditionCount, fromApiRules, type GroupNode, MAX_CONDITIONS, newGroup, toApiRules } from "./segmentRules";
import { STRINGS } from "./strings";
import type { ApiGroup, Segment, SegmentPreview } from "./types";
import { useLivePreview } from "./useLivePreview";

function AudiencePreview({ rules }: { rules: ApiGroup | null }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const preview = useLivePreview<SegmentPreview>("/api/v1/segments/preview", rules === null ? null : { rules });
  const data = preview.data;
  return (
    <aside className="audience-preview" aria-labelledby="audience-title" aria-busy={preview.outdated}>
      <h2 id="audience-title">{t("builder.audience")}</h2>
      <div aria-live="polite">
        {rules === null && <p>{t("builder.incomplete")}</p>}
        {rules !== null && preview.error !== null && (
          <p className="error" role="alert">
            {Object.values(fieldErrorsByName(preview.error))
              .map((error) => describeFieldError(error, tShell))
              .join(" ") || describeError(preview.error, tShell)}
          </p>
        )}
        {rules !== null && data && (
          <p className="audience-count">
            <strong data-testid="audience-count">{t("builder.count", { count: data.count })}</strong>
            {preview.outdated && <span className="preview-updating"> · {t("builder.updating")}</span>}
          </p>
        )}
      </div>
      {rules !== null && data && data.sample.length > 0 && (
        <>
          <h3>{t("builder.sample")}</h3>
          <ul className="audience-sample">
            {data.sample.map((contact) => (
              <li key={contact.id}>
                <Link to={`/contacts/${encodeURIComponent(contact.id)}`}>{[contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.email || contact.id}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

function Builder({ segment }: { segment: Segment | null }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client, user } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const id = useId();
  const readOnly = !canWriteMarketing(user);
  const [name, setName] = useState(segment?.name ?? "");
  const [root, setRoot] = useState<GroupNode>(() => (segment?.rules ? fromApiRules(segment.rules) : newGroup("all")));
  const rules = useMemo(() => toApiRules(root), [root]);
  const count = conditionCount(root);
  const save = useMutation({
    mutationFn: () =>
      segment
        ? client.request<Segment>(`/api/v1/segments/${encodeURIComponent(segment.id)}`, { method: "PATCH", json: { name, rules }, headers: { "If-Match": `"${segment.version}"` } })
        : client.request<Segment>("/api/v1/segments", { method: "POST", json: { name, kind: "dynamic", rules } }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(["segments", "detail", saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: ["segments"] });
      await navigate(`/campaigns/segments/${encodeURIComponent(saved.id)}`, { replace: segment !== null, state: { saved: true } });
    },
  });
  const nameError = fieldErrorsByName(save.error)["name"];
  const justSaved = (useLocation().state as { saved?: boolean } | null)?.saved === true && save.isIdle;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form className="segment-builder" onSubmit={onSubmit}>
      <div className="builder-main">
        {readOnly && <p className="field-hint">{t("builder.readOnly")}</p>}
        <div className="form-field stacked-form">
          <label htmlFor={`${id}-name`}>{t("builder.name")}</label>
          <input id={`${id}-name`} required maxLength={200} value={name} readOnly={readOnly} onChange={(event) => setName(event.target.value)}
            aria-invalid={nameError !== undefined} aria-describedby={nameError ? `${id}-name-error` : undefined} />
          {nameError && (
            <p className="field-error" id={`${id}-name-error`}>
              {describeFieldError(nameError, tShell)}
            </p>
          )}
        </div>
        <h2>{t("builder.rules")}</h2>
        <RuleGroupEditor group={root} root={root} onChange={setRoot} roomForMore={count < MAX_CONDITIONS} readOnly={readOnly} />
        {count >= MAX_CONDITIONS && <p className="field-hint">{t("builder.tooMany", { max: MAX_CONDITIONS })}</p>}
        <div aria-live="polite">
          {justSaved && <p className="success">{t("builder.saved")}</p>}
          {save.isError && (
            <p className="error" role="alert">
              {describeError(save.error, tShell)}
            </p>
          )}
        </div>
        {!readOnly && (
          <p className="button-row">
            <button type="submit" className="button" disabled={save.isPending || rules === null}>
              {save.isPending ? t("builder.saving") : t("builder.save")}
            </button>
          </p>
        )}
      </div>
      <AudiencePreview rules={rules} />
    </form>
  );
}

/** `/campaigns/segments/new` and `/campaigns/segments/:segmentId`. */
export function SegmentBuilder() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { segmentId } = useParams();
  return (
    <EditorPage<Segment>
      path={segmentId === undefined ? null : `/api/v1/segments/${encodeURIComponent(segmentId)}`}
      queryKey={["segments", "detail", segmentId]}
      back={{ to: "/campaigns/segments", label: t("segments.title") }}
      listTitle={t("segments.title")}
      creating={
        <>
          <h1 id="page-title">{t("builder.title")}</h1>
          <Builder segment={null} />
        </>
      }
      editing={(segment) => (
        <>
          <h1 id="page-title">{t("builder.editTitle", { name: segment.name })}</h1>
          {segment.kind === "static" ? <p>{t("segments.static")}</p> : <Builder key={segment.version} segment={segment} />}
        </>
      )}
    />
  );
}
