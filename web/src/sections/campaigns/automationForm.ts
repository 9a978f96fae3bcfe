/** The automation editor's state and the API body it makes (conditions' values typed from
 * their text by operator). */
import { EMPTY_TEMPLATE, templateBody, templateDraft, type TemplateDraft } from "./templateDraft";
import type { ActionType, Automation, AutomationAction, AutomationOp } from "./types";

export interface ConditionDraft {
  field: string;
  op: AutomationOp;
  /** `exists`: "true"/"false"; `in`/`not_in`: comma-separated; others: the value. */
  value: string;
}

export interface ActionDraft {
  type: ActionType;
  template: TemplateDraft;
  owner_id: string;
  campaign_id: string;
  user_id: string;
  title: string;
  body: string;
}

export interface AutomationDraft {
  name: string;
  active: boolean;
  event_type: string;
  conditions: ConditionDraft[];
  actions: ActionDraft[];
}

export function newAction(type: ActionType = "send_email"): ActionDraft {
  return { type, template: EMPTY_TEMPLATE, owner_id: "", campaign_id: "", user_id: "", title: "", body: "" };
}

export const NEW_AUTOMATION: AutomationDraft = { name: "", active: true, event_type: "LeadCreated", conditions: [], actions: [newAction()] };

const COMPARISONS: readonly AutomationOp[] = ["gt", "gte", "lt", "lte"];

/** A condition's API value from its text. */
export function conditionValue(condition: ConditionDraft): unknown {
  if (condition.op === "exists") return condition.value !== "false";
  if (condition.op === "in" || condition.op === "not_in") {
    return condition.value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
  }
  const text = condition.value.trim();
  if (COMPARISONS.includes(condition.op) && text !== "" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function conditionText(op: AutomationOp, value: unknown): string {
  if (op === "exists") return String(value !== false);
  if (Array.isArray(value)) return value.map(String).join(", ");
  return value === null || value === undefined ? "" : String(value);
}

function actionBody(action: ActionDraft): AutomationAction {
  switch (action.type) {
    case "send_email":
      return { type: "send_email", template: templateBody(action.template) ?? { subject: "", body_text: "" } };
    case "assign_owner":
      return { type: "assign_owner", owner_id: action.owner_id.trim() === "" ? null : action.owner_id.trim() };
    case "add_to_campaign":
      return { type: "add_to_campaign", campaign_id: action.campaign_id };
    case "notify_user":
      return { type: "notify_user", user_id: action.user_id.trim(), title: action.title, body: action.body };
  }
}

/** The body of `POST /automations` (and of a PATCH: every field). */
export function automationBody(draft: AutomationDraft): Record<string, unknown> {
  return {
    name: draft.name,
    active: draft.active,
    trigger: { event_type: draft.event_type, conditions: draft.conditions.map((condition) => ({ field: condition.field.trim(), op: condition.op, value: conditionValue(condition) })) },
    actions: draft.actions.map(actionBody),
  };
}

/** The editor's state of a saved rule. */
export function automationDraft(automation: Automation): AutomationDraft {
  return {
    name: automation.name,
    active: automation.active,
    event_type: automation.trigger.event_type,
    conditions: automation.trigger.conditions.map((condition) => ({ field: condition.field, op: condition.op, value: conditionText(condition.op, condition.value) })),
    actions: automation.actions.map((action) => {
      const draft = newAction(action.type);
      switch (action.type) {
        case "send_email":
          return { ...draft, template: templateDraft(action.template) };
        case "assign_owner":
          return { ...draft, owner_id: action.owner_id ?? "" };
        case "add_to_campaign":
          return { ...draft, campaign_id: action.campaign_id };
        case "notify_user":
          return { ...draft, user_id: action.user_id, title: action.title, body: action.body ?? "" };
      }
    }),
  };
}
