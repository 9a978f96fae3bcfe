/**
 * The segment builder's editing state: a tree of all/any groups of conditions, changed by
 * pure functions (each returns a new tree), and turned into the API's rules once every
 * condition has a value. The fields, their operators and their value inputs follow the
 * service's `segment_rules.py`.
 */
import { LIFECYCLE_STAGES, RFM_SEGMENTS } from "../contacts/types";
import type { ApiCondition, ApiGroup } from "./types";

/** How deep groups nest, the root counting as one (the service's `MAX_DEPTH`). */
export const MAX_DEPTH = 4;
/** Conditions in one segment at most (the service's `MAX_CONDITIONS`). */
export const MAX_CONDITIONS = 50;
export const CUSTOM_PREFIX = "custom.";

/** How a field's values are entered: a list to pick from, a number, a date, yes/no or text. */
export type FieldKind = "choice" | "number" | "date" | "bool" | "text";

export interface FieldSpec {
  kind: FieldKind;
  ops: readonly string[];
  /** The values of a `choice` field. */
  choices?: readonly string[];
}

const NUMBER_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in", "exists"] as const;

export const FIELDS: Readonly<Record<string, FieldSpec>> = {
  lifecycle_stage: { kind: "choice", ops: ["in", "not_in", "eq", "ne", "exists"], choices: LIFECYCLE_STAGES },
  rfm_segment: { kind: "choice", ops: ["in", "not_in", "eq", "ne", "exists"], choices: RFM_SEGMENTS },
  tags: { kind: "text", ops: ["contains", "not_contains", "in", "not_in", "exists"] },
  "account.industry": { kind: "text", ops: ["eq", "ne", "in", "not_in", "exists"] },
  "account.employee_count": { kind: "number", ops: NUMBER_OPS },
  purchase_count: { kind: "number", ops: NUMBER_OPS },
  purchase_total: { kind: "number", ops: NUMBER_OPS },
  created_at: { kind: "date", ops: ["gte", "lte", "gt", "lt", "between", "exists"] },
  do_not_contact: { kind: "bool", ops: ["eq", "exists"] },
};
/** A custom field (`custom.<name>`): any comparison, entered as text. */
const CUSTOM_FIELD: FieldSpec = { kind: "text", ops: NUMBER_OPS };

/** The names the field picker offers; `custom.` is followed by a name the user types. */
export const FIELD_NAMES = [...Object.keys(FIELDS), CUSTOM_PREFIX] as const;

/** How a condition's value is entered for its field and operator. */
export type Operand = "flag" | "single" | "range" | "choices" | "list";

export interface ConditionNode {
  kind: "condition";
  id: string;
  field: string;
  op: string;
  /** `choices` and `range`: a list; the others: the text of the input(s). */
  value: string | string[];
}

export interface GroupNode {
  kind: "group";
  id: string;
  match: "all" | "any";
  rules: RuleNode[];
}

export type RuleNode = ConditionNode | GroupNode;

let lastId = 0;
function nextId(): string {
  lastId += 1;
  return `rule-${lastId}`;
}

/** The spec of `field` (a known field, or a custom one). */
export function fieldSpec(field: string): FieldSpec {
  return FIELDS[field] ?? CUSTOM_FIELD;
}

/** The picker's choice for `field`: itself, or `custom.` for a custom field. */
export function fieldChoice(field: string): string {
  return field in FIELDS ? field : CUSTOM_PREFIX;
}

export function operandOf(field: string, op: string): Operand {
  const spec = fieldSpec(field);
  if (op === "exists" || spec.kind === "bool") return "flag";
  if (op === "between") return "range";
  if (op === "in" || op === "not_in") return spec.kind === "choice" ? "choices" : "list";
  return "single";
}

function emptyValue(operand: Operand): string | string[] {
  if (operand === "flag") return "true";
  if (operand === "range") return ["", ""];
  if (operand === "choices") return [];
  return "";
}

/** A new condition on `field` (its first operator, no value yet). */
export function newCondition(field = "lifecycle_stage"): ConditionNode {
  const op = fieldSpec(field).ops[0] ?? "eq";
  return { kind: "condition", id: nextId(), field, op, value: emptyValue(operandOf(field, op)) };
}

/** A new group holding one new condition. */
export function newGroup(match: "all" | "any" = "all"): GroupNode {
  return { kind: "group", id: nextId(), match, rules: [newCondition()] };
}

function mapTree(node: RuleNode, id: string, change: (node: RuleNode) => RuleNode | null): RuleNode | null {
  if (node.id === id) return change(node);
  if (node.kind === "condition") return node;
  const rules = node.rules.map((rule) => mapTree(rule, id, change)).filter((rule): rule is RuleNode => rule !== null);
  return rules.length === node.rules.length && rules.every((rule, i) => rule === node.rules[i]) ? node : { ...node, rules };
}

function update(root: GroupNode, id: string, change: (node: RuleNode) => RuleNode | null): GroupNode {
  return (mapTree(root, id, change) as GroupNode | null) ?? root;
}

/** Change a condition's field: the operator and value start over when they no longer fit. */
export function setField(root: GroupNode, id: string, field: string): GroupNode {
  return update(root, id, (node) => {
    if (node.kind !== "condition") return node;
    const spec = fieldSpec(field);
    const op = spec.ops.includes(node.op) ? node.op : (spec.ops[0] ?? "eq");
    const sameInput = fieldSpec(node.field).kind === spec.kind && operandOf(node.field, node.op) === operandOf(field, op);
    return { ...node, field, op, value: sameInput ? node.value : emptyValue(operandOf(field, op)) };
  });
}

/** Change a condition's operator; the value is kept when it is entered the same way. */
export function setOp(root: GroupNode, id: string, op: string): GroupNode {
  return update(root, id, (node) => {
    if (node.kind !== "condition") return node;
    const same = operandOf(node.field, node.op) === operandOf(node.field, op);
    return { ...node, op, value: same ? node.value : emptyValue(operandOf(node.field, op)) };
  });
}

export function setValue(root: GroupNode, id: string, value: string | string[]): GroupNode {
  return update(root, id, (node) => (node.kind === "condition" ? { ...node, value } : node));
}

export function setMatch(root: GroupNode, id: string, match: "all" | "any"): GroupNode {
  return update(root, id, (node) => (node.kind === "group" ? { ...node, match } : node));
}

/** Add a condition, or a nested group, at the end of group `groupId`. */
export function addRule(root: GroupNode, groupId: string, rule: RuleNode): GroupNode {
  return update(root, groupId, (node) => (node.kind === "group" ? { ...node, rules: [...node.rules, rule] } : node));
}

/** Remove a rule; a group left empty goes with it (the root stays). */
export function removeRule(root: GroupNode, id: string): GroupNode {
  if (root.id === id) return root;
  const pruned = update(root, id, () => null);
  return pruneEmpty(pruned) ?? { ...root, rules: [] };
}

function pruneEmpty(group: GroupNode): GroupNode | null {
  const rules = group.rules.map((rule) => (rule.kind === "group" ? pruneEmpty(rule) : rule)).filter((rule): rule is RuleNode => rule !== null);
  return rules.length === 0 ? null : { ...group, rules };
}

/** How deep `id` sits (the root is 1); 0 when absent. */
export function depthOf(root: GroupNode, id: string, depth = 1): number {
  if (root.id === id) return depth;
  for (const rule of root.rules) {
    if (rule.id === id) return depth + 1;
    if (rule.kind === "group") {
      const found = depthOf(rule, id, depth + 1);
      if (found > 0) return found;
    }
  }
  return 0;
}

/** Whether group `id` may get a nested group (the new group would not be too deep). */
export function canNest(root: GroupNode, id: string): boolean {
  return depthOf(root, id) < MAX_DEPTH;
}

export function conditionCount(group: GroupNode): number {
  return group.rules.reduce((sum, rule) => sum + (rule.kind === "group" ? conditionCount(rule) : 1), 0);
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function scalar(kind: FieldKind, text: string): string | number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (kind !== "number") return trimmed;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : null;
}

/** The API value of a condition; undefined while it is incomplete. */
function apiValue(node: ConditionNode): unknown {
  const { kind } = fieldSpec(node.field);
  const operand = operandOf(node.field, node.op);
  if (operand === "flag") return node.value === "true";
  if (operand === "choices") return Array.isArray(node.value) && node.value.length > 0 ? node.value : undefined;
  const texts = operand === "range" ? (Array.isArray(node.value) ? node.value : []) : operand === "list" ? splitList(String(node.value)) : [String(node.value)];
  const values = texts.map((text) => scalar(kind, text));
  if (values.length === 0 || values.some((value) => value === null)) return undefined;
  if (operand === "range") return values.length === 2 ? values : undefined;
  return operand === "list" ? values : values[0];
}

/** The API's rules for the tree; null while a condition lacks a value or a name. */
export function toApiRules(group: GroupNode): ApiGroup | null {
  if (group.rules.length === 0) return null;
  const rules: (ApiCondition | ApiGroup)[] = [];
  for (const rule of group.rules) {
    if (rule.kind === "group") {
      const nested = toApiRules(rule);
      if (nested === null) return null;
      rules.push(nested);
      continue;
    }
    if (rule.field.length <= CUSTOM_PREFIX.length && rule.field.startsWith(CUSTOM_PREFIX)) return null;
    const value = apiValue(rule);
    if (value === undefined) return null;
    rules.push({ field: rule.field, op: rule.op, value });
  }
  return { match: group.match, rules };
}

function isGroup(rule: ApiCondition | ApiGroup): rule is ApiGroup {
  return "rules" in rule;
}

function editorValue(field: string, op: string, value: unknown): string | string[] {
  const operand = operandOf(field, op);
  if (operand === "flag") return String(value === true);
  if (operand === "choices" || operand === "range") return Array.isArray(value) ? value.map(String) : [];
  if (operand === "list") return Array.isArray(value) ? value.map(String).join(", ") : "";
  return value === null || value === undefined ? "" : String(value);
}

/** The editing tree of saved rules. */
export function fromApiRules(group: ApiGroup): GroupNode {
  return {
    kind: "group",
    id: nextId(),
    match: group.match,
    rules: group.rules.map((rule) =>
      isGroup(rule) ? fromApiRules(rule) : { kind: "condition", id: nextId(), field: rule.field, op: rule.op, value: editorValue(rule.field, rule.op, rule.value) },
    ),
  };
}
