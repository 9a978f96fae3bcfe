/** Scoring rules as the form edits them (values as typed) and back to the API's shape. */
import type { ScoringConfig, ScoringOp, ScoringRule } from "./types";

export interface RuleDraft {
  key: string;
  id: string | null;
  name: string;
  field: string;
  op: ScoringOp;
  /** The value as typed: a list comma-separated, nothing for exists / not_exists. */
  value: string;
  points: string;
}

const LIST_OPS: readonly ScoringOp[] = ["in", "not_in"];
const NUMBER_OPS: readonly ScoringOp[] = ["gte", "lte"];
const NO_VALUE_OPS: readonly ScoringOp[] = ["exists", "not_exists"];

/** Whether the operator takes no value. */
export function takesNoValue(op: ScoringOp): boolean {
  return NO_VALUE_OPS.includes(op);
}

/** A rule of the API as a draft. */
export function draftOf(rule: ScoringRule, key: string): RuleDraft {
  const value = Array.isArray(rule.value) ? rule.value.join(", ") : rule.value === null ? "" : String(rule.value);
  return { key, id: rule.id ?? null, name: rule.name, field: rule.field, op: rule.op, value, points: String(rule.points) };
}

/** The value the API expects for the draft's operator. */
export function ruleValue(draft: Pick<RuleDraft, "op" | "value">): ScoringRule["value"] {
  if (takesNoValue(draft.op)) return null;
  if (LIST_OPS.includes(draft.op)) return draft.value.split(",").map((item) => item.trim()).filter(Boolean);
  const text = draft.value.trim();
  if (NUMBER_OPS.includes(draft.op)) return text === "" ? null : Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

/** The body of `PUT /leads/config/scoring`. */
export function scoringBody(rules: readonly RuleDraft[], thresholds: { hot: string; warm: string; junk: string }): ScoringConfig {
  return {
    rules: rules.map((draft) => ({ ...(draft.id ? { id: draft.id } : {}), name: draft.name, field: draft.field, op: draft.op, value: ruleValue(draft), points: Number(draft.points) })),
    hot_threshold: Number(thresholds.hot),
    warm_threshold: Number(thresholds.warm),
    junk_below: thresholds.junk.trim() === "" ? null : Number(thresholds.junk),
  };
}
