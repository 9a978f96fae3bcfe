/** Create or change an automation: its trigger event and conditions, its actions in order,
 * whether it is on; and, for a saved one, its runs log. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { ApiError } from "../../api/problem";
import type { CursorPage } from "../../api/useCursorList";
import { displayName, USER_READERS, useUsers } from "../../api/users";
import { hasAnyRole } from "../../auth/claims";
import { useSession } from "../../auth/session";
import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { type ActionDraft, automationBody, automationDraft, type AutomationDraft, type ConditionDraft, NEW_AUTOMATION, newAction } from "./automationForm";
import { AutomationRuns } from "./AutomationRuns";
import { EditorPage } from "./EditorPage";
import { canWriteMarketing } from "./permissions";
import { STRINGS } from "./strings";
import { TemplateEditor } from "./TemplateEditor";
import { ACTION_TYPES, type ActionType, type Automation, AUTOMATION_OPS, type AutomationOp, type Campaign, TRIGGER_EVENTS } from "./types";

const MAX_CONDITIONS = 20;
const MAX_ACTIONS = 10;
const OP_LABELS: Record<AutomationOp, string> = { eq: "=", ne: "≠", in: "in", not_in: "not in", contains: "contains", exists: "exists", gt: ">", gte: "≥", lt: "<", lte: "≤" };

function ConditionEditor({ condition, n, onChange, onRemove }: { condition: ConditionDraft; n: number; onChange: (condition: ConditionDraft) => void; onRemove: () => void }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const id = useId();
  return (
    <li className="rule-condition">
      <div className="form-field">
        <label htmlFor={`${id}-field`}>{t("automation.field")}</label>
        <input id={`${id}-field`} required maxLength={120} pattern="[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*" placeholder="lead.source" value={condition.field} onChange={(event) => onChange({ ...condition, field: event.target.value })} />
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-op`}>{t("automation.op")}</label>
        <select id={`${id}-op`} value={condition.op} onChange={(event) => onChange({ ...condition, op: event.target.value as AutomationOp, value: event.target.value === "exists" ? "true" : condition.value })}>
          {AUTOMATION_OPS.map((op) => (
            <option key={op} value={op}>
              {OP_LABELS[op]}
            </option>
          ))}
        </select>
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-value`}>{t("automation.value")}</label>
        {condition.op === "exists" ? (
          <select id={`${id}-value`} value={condition.value} onChange={(event) => onChange({ ...condition, value: event.target.value })}>
            <option value="true">{t("builder.yes")}</option>
            <option value="false">{t("builder.no")}</option>
          </select>
        ) : (
          <input id={`${id}-value`} maxLength={500} value={condition.value} onChange={(event) => onChange({ ...condition, value: event.target.value })} />
        )}
      </div>
      <button type="button" className="button secondary" aria-label={`${t("automation.remove")}: ${t("automation.conditions")} ${n}`} onClick={onRemove}>
        {t("automation.remove")}
      </button>
    </li>
  );
}

function ActionEditor({ action, n, campaigns, onChange, onRemove, error }: { action: ActionDraft; n: number; campaigns: Campaign[]; onChange: (action: ActionDraft) => void; onRemove: (() => void) | null; error: unknown }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const id = useId();
  const { user } = useSession();
  const users = useUsers(user !== null && hasAnyRole(user, USER_READERS));
  const text = (name: "owner_id" | "user_id" | "title" | "body", label: string, required: boolean, maxLength: number) => {
    const pickUser = name === "owner_id" || name === "user_id";
    return (
      <div className="form-field">
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input id={`${id}-${name}`} required={required} maxLength={maxLength} value={action[name]} onChange={(event) => onChange({ ...action, [name]: event.target.value })} list={pickUser && users.data ? `${id}-users` : undefined} />
        {pickUser && users.data && (
          <datalist id={`${id}-users`}>
            {users.data
              .filter((item) => item.active)
              .map((item) => (
                <option key={item.id} value={item.id} label={displayName(item)} />
              ))}
          </datalist>
        )}
      </div>
    );
  };
  return (
    <li>
      <fieldset className="automation-action">
        <legend>{t("automation.action", { n })}</legend>
        <div className="form-field">
          <label htmlFor={`${id}-type`}>{t("automation.actionType")}</label>
          <select id={`${id}-type`} value={action.type} onChange={(event) => onChange({ ...action, type: event.target.value as ActionType })}>
            {ACTION_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`automation.actionTypes.${type}`)}
              </option>
            ))}
          </select>
        </div>
        {action.type === "send_email" && <TemplateEditor draft={action.template} onChange={(template) => onChange({ ...action, template })} error={error} />}
        {action.type === "assign_owner" && text("owner_id", t("automation.ownerId"), false, 64)}
        {action.type === "add_to_campaign" && (
          <div className="form-field">
            <label htmlFor={`${id}-campaign`}>{t("automation.campaign")}</label>
            <select id={`${id}-campaign`} required value={action.campaign_id} onChange={(event) => onChange({ ...action, campaign_id: event.target.value })}>
              <option value="">{t("automation.chooseCampaign")}</option>
              {campaigns.map((campaign) => (
                <option key={campaign.id} value={campaign.id}>
                  {campaign.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {action.type === "notify_user" && (
          <>
            {text("user_id", t("automation.userId"), true, 64)}
            {text("title", t("automation.title"), true, 200)}
            {text("body", t("automation.body"), false, 2000)}
          </>
        )}
        {onRemove !== null && (
          <button type="button" className="button secondary" onClick={onRemove}>
            {t("automation.remove")}
          </button>
        )}
      </fieldset>
    </li>
  );
}

function Editor({ automation }: { automation: Automation | null }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const id = useId();
  const [draft, setDraft] = useState<AutomationDraft>(() => (automation ? automationDraft(automation) : NEW_AUTOMATION));
  const campaigns = useQuery({
    queryKey: ["campaigns", "pick"],
    queryFn: ({ signal }) => client.request<CursorPage<Campaign>>("/api/v1/campaigns?limit=200", { signal }),
    select: (page) => page.items,
  });
  const save = useMutation({
    mutationFn: () =>
      automation
        ? client.request<Automation>(`/api/v1/automations/${encodeURIComponent(automation.id)}`, { method: "PATCH", json: automationBody(draft), headers: { "If-Match": `"${automation.version}"` } })
        : client.request<Automation>("/api/v1/automations", { method: "POST", json: automationBody(draft) }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(["automations", "detail", saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: ["automations", "list"] });
      if (!automation) await navigate(`/campaigns/automations/${encodeURIComponent(saved.id)}`);
    },
    onError: (error) => {
      if (automation && error instanceof ApiError && (error.status === 409 || error.status === 412)) void queryClient.invalidateQueries({ queryKey: ["automations", "detail", automation.id] });
    },
  });
  const nameError = fieldErrorsByName(save.error)["name"];
  const setCondition = (i: number, condition: ConditionDraft) => setDraft((current) => ({ ...current, conditions: current.conditions.map((other, j) => (j === i ? condition : other)) }));
  const setAction = (i: number, action: ActionDraft) => setDraft((current) => ({ ...current, actions: current.actions.map((other, j) => (j === i ? action : other)) }));

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form className="automation-editor" onSubmit={onSubmit}>
      <div className="stacked-form">
        <div className="form-field">
          <label htmlFor={`${id}-name`}>{t("automation.name")}</label>
          <input id={`${id}-name`} required maxLength={200} value={draft.name} onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            aria-invalid={nameError !== undefined} aria-describedby={nameError ? `${id}-name-error` : undefined} />
          {nameError && (
            <p className="field-error" id={`${id}-name-error`}>
              {describeFieldError(nameError, tShell)}
            </p>
          )}
        </div>
        <div className="check-field">
          <input type="checkbox" id={`${id}-active`} checked={draft.active} onChange={(event) => setDraft({ ...draft, active: event.target.checked })} />
          <label htmlFor={`${id}-active`}>{t("automation.active")}</label>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-event`}>{t("automation.event")}</label>
          <select id={`${id}-event`} value={draft.event_type} onChange={(event) => setDraft({ ...draft, event_type: event.target.value })}>
            {TRIGGER_EVENTS.map((event) => (
              <option key={event} value={event}>
                {event}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset>
        <legend>{t("automation.conditions")}</legend>
        <p className="field-hint">{t("automation.conditionsHint")}</p>
        {draft.conditions.length === 0 && <p>{t("automation.noConditions")}</p>}
        <ul className="rule-list">
          {draft.conditions.map((condition, i) => (
            <ConditionEditor key={i} condition={condition} n={i + 1} onChange={(changed) => setCondition(i, changed)}
              onRemove={() => setDraft((current) => ({ ...current, conditions: current.conditions.filter((_, j) => j !== i) }))} />
          ))}
        </ul>
        <button type="button" className="button secondary" disabled={draft.conditions.length >= MAX_CONDITIONS}
          onClick={() => setDraft((current) => ({ ...current, conditions: [...current.conditions, { field: "", op: "eq", value: "" }] }))}>
          {t("automation.addCondition")}
        </button>
      </fieldset>
      <h2>{t("automation.actions")}</h2>
      <ol className="action-list">
        {draft.actions.map((action, i) => (
          <ActionEditor key={i} action={action} n={i + 1} campaigns={campaigns.data ?? []} error={save.error} onChange={(changed) => setAction(i, changed)}
            onRemove={draft.actions.length > 1 ? () => setDraft((current) => ({ ...current, actions: current.actions.filter((_, j) => j !== i) })) : null} />
        ))}
      </ol>
      <p>
        <button type="button" className="button secondary" disabled={draft.actions.length >= MAX_ACTIONS} onClick={() => setDraft((current) => ({ ...current, actions: [...current.actions, newAction("notify_user")] }))}>
          {t("automation.addAction")}
        </button>
      </p>
      <div aria-live="polite">
        {save.isSuccess && automation && <p className="success">{t("automation.saved")}</p>}
        {save.isError && (
          <p className="error" role="alert">
            {save.error instanceof ApiError && (save.error.status === 409 || save.error.status === 412) ? t("automation.changed") : describeError(save.error, tShell)}
          </p>
        )}
      </div>
      <p className="button-row">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("automation.saving") : t("automation.save")}
        </button>
      </p>
    </form>
  );
}

/** `/campaigns/automations/new` and `/campaigns/automations/:automationId`. */
export function AutomationEditor() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { automationId } = useParams();
  const { user } = useSession();
  const writer = canWriteMarketing(user);
  return (
    <EditorPage<Automation>
      path={automationId === undefined ? null : `/api/v1/automations/${encodeURIComponent(automationId)}`}
      queryKey={["automations", "detail", automationId]}
      back={{ to: "/campaigns/automations", label: t("automation.back") }}
      listTitle={t("automations.title")}
      creating={
        <>
          <h1 id="page-title">{t("automation.newTitle")}</h1>
          <Editor automation={null} />
        </>
      }
      editing={(automation) => (
        <>
          <h1 id="page-title">{automation.name}</h1>
          {writer ? <Editor key={automation.id} automation={automation} /> : <p>{t("automation.readOnly")}</p>}
          <AutomationRuns automationId={automation.id} />
        </>
      )}
    />
  );
}
