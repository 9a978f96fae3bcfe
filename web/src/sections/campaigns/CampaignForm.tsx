/** Create a campaign, or edit a planned one (`If-Match`): its facts, segments and template. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";

import { newIdempotencyKey } from "../../api/idempotencyKey";
import { useSession } from "../../auth/session";
import { DEFAULT_CURRENCY } from "../../format/money";
import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { EditorPage } from "./EditorPage";
import { STRINGS } from "./strings";
import { EMPTY_TEMPLATE, templateBody, templateDraft, type TemplateDraft } from "./templateDraft";
import { TemplateEditor } from "./TemplateEditor";
import { CAMPAIGN_TYPES, type Campaign } from "./types";
import { useSegments } from "./useSegments";

interface Draft {
  name: string;
  type: string;
  description: string;
  start_date: string;
  end_date: string;
  budget: string;
  segment_ids: string[];
  template: TemplateDraft;
}

const EMPTY: Draft = { name: "", type: "email", description: "", start_date: "", end_date: "", budget: "0", segment_ids: [], template: EMPTY_TEMPLATE };

function draftOf(campaign: Campaign): Draft {
  return {
    name: campaign.name,
    type: campaign.type,
    description: campaign.description ?? "",
    start_date: campaign.start_date ?? "",
    end_date: campaign.end_date ?? "",
    budget: campaign.budget,
    segment_ids: campaign.segment_ids,
    template: templateDraft(campaign.template),
  };
}

/** The request body of a draft (blank optional fields as null, so an edit can clear them). */
function bodyOf(draft: Draft): Record<string, unknown> {
  const template = templateBody(draft.template);
  return {
    name: draft.name,
    type: draft.type,
    description: draft.description.trim() === "" ? null : draft.description,
    start_date: draft.start_date || null,
    end_date: draft.end_date || null,
    budget: draft.budget.trim() === "" ? "0" : draft.budget,
    segment_ids: draft.segment_ids,
    ...(template !== null ? { template } : {}),
  };
}

function Form({ campaign }: { campaign: Campaign | null }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const id = useId();
  const segments = useSegments();
  const [draft, setDraft] = useState<Draft>(() => (campaign ? draftOf(campaign) : EMPTY));
  const [idempotencyKey] = useState(newIdempotencyKey);
  const save = useMutation({
    mutationFn: () =>
      campaign
        ? client.request<Campaign>(`/api/v1/campaigns/${encodeURIComponent(campaign.id)}`, { method: "PATCH", json: bodyOf(draft), headers: { "If-Match": `"${campaign.version}"` } })
        : client.request<Campaign>("/api/v1/campaigns", { method: "POST", json: bodyOf(draft), headers: { "Idempotency-Key": idempotencyKey } }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(["campaigns", "detail", saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: ["campaigns", "list"] });
      await navigate(`/campaigns/${encodeURIComponent(saved.id)}`);
    },
  });
  const errors = fieldErrorsByName(save.error);
  const set = (name: keyof Omit<Draft, "segment_ids" | "template">) => (event: { target: { value: string } }) => setDraft((current) => ({ ...current, [name]: event.target.value }));
  const fieldError = (name: string) =>
    errors[name] && (
      <p className="field-error" id={`${id}-${name}-error`}>
        {describeFieldError(errors[name], tShell)}
      </p>
    );
  const invalid = (name: string) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `${id}-${name}-error` } : {});

  function toggleSegment(segmentId: string, on: boolean) {
    setDraft((current) => ({ ...current, segment_ids: on ? [...current.segment_ids, segmentId] : current.segment_ids.filter((other) => other !== segmentId) }));
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  const back = campaign ? `/campaigns/${encodeURIComponent(campaign.id)}` : "/campaigns";
  return (
    <form className="campaign-form" onSubmit={onSubmit}>
      <div className="stacked-form">
        <div className="form-field">
          <label htmlFor={`${id}-name`}>{t("form.name")}</label>
          <input id={`${id}-name`} required maxLength={200} value={draft.name} onChange={set("name")} {...invalid("name")} />
          {fieldError("name")}
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-type`}>{t("form.type")}</label>
          <select id={`${id}-type`} value={draft.type} onChange={set("type")}>
            {CAMPAIGN_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`type.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-description`}>{t("form.description")}</label>
          <textarea id={`${id}-description`} rows={2} maxLength={2000} value={draft.description} onChange={set("description")} />
        </div>
        <div className="form-row">
          <div className="form-field">
            <label htmlFor={`${id}-start`}>{t("form.start")}</label>
            <input id={`${id}-start`} type="date" value={draft.start_date} onChange={set("start_date")} {...invalid("start_date")} />
            {fieldError("start_date")}
          </div>
          <div className="form-field">
            <label htmlFor={`${id}-end`}>{t("form.end")}</label>
            <input id={`${id}-end`} type="date" value={draft.end_date} onChange={set("end_date")} {...invalid("end_date")} />
            {fieldError("end_date")}
          </div>
          <div className="form-field">
            <label htmlFor={`${id}-budget`}>{t("form.budget", { currency: campaign?.currency ?? DEFAULT_CURRENCY })}</label>
            <input id={`${id}-budget`} inputMode="decimal" value={draft.budget} onChange={set("budget")} {...invalid("budget")} />
            {fieldError("budget")}
          </div>
        </div>
        <fieldset>
          <legend>{t("form.segments")}</legend>
          <p className="field-hint">{t("form.segmentsHint")}</p>
          {segments.data?.length === 0 && <p className="empty-state">{t("form.noSegments")}</p>}
          {segments.data?.map((segment) => (
            <div key={segment.id} className="check-field">
              <input
                type="checkbox"
                id={`${id}-seg-${segment.id}`}
                checked={draft.segment_ids.includes(segment.id)}
                onChange={(event) => toggleSegment(segment.id, event.target.checked)}
              />
              <label htmlFor={`${id}-seg-${segment.id}`}>{segment.name}</label>
            </div>
          ))}
          {fieldError("segment_ids")}
        </fieldset>
      </div>
      <TemplateEditor hint={t("template.hint")} draft={draft.template} onChange={(template) => setDraft((current) => ({ ...current, template }))} error={save.error} />
      <div aria-live="polite">
        {save.isError && (
          <p className="error" role="alert">
            {describeError(save.error, tShell)}
          </p>
        )}
      </div>
      <p className="button-row">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("form.saving") : campaign ? t("form.save") : t("form.create")}
        </button>
        <Link className="button secondary" to={back}>
          {t("form.cancel")}
        </Link>
      </p>
    </form>
  );
}

/** `/campaigns/new` and `/campaigns/:campaignId/edit`. */
export function CampaignForm({ edit = false }: { edit?: boolean }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { campaignId = "" } = useParams();
  return (
    <EditorPage<Campaign>
      path={edit ? `/api/v1/campaigns/${encodeURIComponent(campaignId)}` : null}
      queryKey={["campaigns", "detail", campaignId]}
      back={edit ? { to: `/campaigns/${encodeURIComponent(campaignId)}`, label: t("form.backToCampaign") } : { to: "/campaigns", label: t("detail.back") }}
      listTitle={t("list.title")}
      creating={
        <>
          <h1 id="page-title">{t("form.newTitle")}</h1>
          <Form campaign={null} />
        </>
      }
      editing={(campaign) => (
        <>
          <h1 id="page-title">{t("form.editTitle", { name: campaign.name })}</h1>
          <Form key={campaign.version} campaign={campaign} />
        </>
      )}
    />
  );
}
