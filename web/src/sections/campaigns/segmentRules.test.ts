import { describe, expect, it } from "vitest";

import {
  addRule,
  canNest,
  depthOf,
  type ConditionNode,
  fromApiRules,
  type GroupNode,
  MAX_DEPTH,
  newCondition,
  newGroup,
  removeRule,
  setField,
  setMatch,
  setOp,
  setValue,
  toApiRules,
} from "./segmentRules";

function firstCondition(group: GroupNode): ConditionNode {
  const rule = group.rules[0];
  if (rule?.kind !== "condition") throw new Error("no condition first");
  return rule;
}

describe("segment rule editing", () => {
  it("is incomplete until every condition has a value, then gives the API's rules", () => {
    let root = newGroup("all");
    const stage = firstCondition(root);
    expect(stage).toMatchObject({ field: "lifecycle_stage", op: "in", value: [] });
    expect(toApiRules(root)).toBeNull();
    root = setValue(root, stage.id, ["customer", "prospect"]);
    const count = newCondition("purchase_count");
    root = addRule(root, root.id, count);
    root = setOp(root, count.id, "gte");
    expect(toApiRules(root)).toBeNull();
    root = setValue(root, count.id, "3");
    expect(toApiRules(root)).toEqual({
      match: "all",
      rules: [
        { field: "lifecycle_stage", op: "in", value: ["customer", "prospect"] },
        { field: "purchase_count", op: "gte", value: 3 },
      ],
    });
  });

  it("fits the value to the field and operator: lists, ranges, flags, text and custom names", () => {
    let root = newGroup("any");
    const cond = firstCondition(root);
    root = setField(root, cond.id, "tags");
    // "is one of" fits tags too, but as comma-separated text rather than a pick list
    expect(firstCondition(root)).toMatchObject({ op: "in", value: "" });
    root = setValue(root, cond.id, " promo, vip ,");
    expect(toApiRules(root)?.rules[0]).toEqual({ field: "tags", op: "in", value: ["promo", "vip"] });
    root = setOp(root, cond.id, "not_in");
    expect(firstCondition(root).value).toBe(" promo, vip ,"); // entered the same way: kept
    root = setOp(root, cond.id, "contains");
    expect(firstCondition(root).value).toBe("");
    root = setValue(root, cond.id, "promo");
    expect(toApiRules(root)?.rules[0]).toEqual({ field: "tags", op: "contains", value: "promo" });
    root = setField(root, cond.id, "purchase_total");
    root = setOp(root, cond.id, "between");
    expect(firstCondition(root).value).toEqual(["", ""]);
    root = setValue(root, cond.id, ["1000", "5000.5"]);
    expect(toApiRules(root)?.rules[0]).toEqual({ field: "purchase_total", op: "between", value: [1000, 5000.5] });
    root = setOp(root, cond.id, "exists");
    expect(toApiRules(root)?.rules[0]).toEqual({ field: "purchase_total", op: "exists", value: true });
    root = setField(root, cond.id, "custom.");
    expect(toApiRules(root)).toBeNull(); // a custom field needs its name
    root = setField(root, cond.id, "custom.region");
    root = setOp(root, cond.id, "eq");
    root = setValue(root, cond.id, "Jawa");
    expect(toApiRules(root)).toEqual({ match: "any", rules: [{ field: "custom.region", op: "eq", value: "Jawa" }] });
    root = setField(root, cond.id, "do_not_contact");
    root = setValue(root, cond.id, "false");
    expect(toApiRules(root)?.rules[0]).toEqual({ field: "do_not_contact", op: "eq", value: false });
  });

  it("nests groups no deeper than the API allows and prunes emptied groups", () => {
    let root = newGroup("all");
    let parent = root.id;
    for (let depth = 2; depth <= MAX_DEPTH; depth += 1) {
      expect(canNest(root, parent)).toBe(true);
      const group = newGroup("any");
      root = addRule(root, parent, group);
      parent = group.id;
    }
    expect(canNest(root, parent)).toBe(false);
    const deepest = parent;
    root = setMatch(root, deepest, "all");
    const innermost = (group: GroupNode): GroupNode => {
      const nested = group.rules.find((rule): rule is GroupNode => rule.kind === "group");
      return nested ? innermost(nested) : group;
    };
    expect(innermost(root)).toMatchObject({ id: deepest, match: "all" });
    // removing the only condition of the deepest group removes the group left empty
    root = removeRule(root, firstCondition(innermost(root)).id);
    expect(depthOf(root, deepest)).toBe(0);
    expect(depthOf(root, innermost(root).id)).toBe(MAX_DEPTH - 1);
    expect(canNest(root, innermost(root).id)).toBe(true);
    expect(removeRule(root, root.id)).toBe(root);
  });

  it("opens saved rules for editing and gives them back unchanged", () => {
    const saved = {
      match: "all" as const,
      rules: [
        { field: "rfm_segment", op: "in", value: ["champions"] },
        { match: "any" as const, rules: [{ field: "account.industry", op: "in", value: ["retail", "food"] }, { field: "created_at", op: "between", value: ["2025-01-01", "2025-06-30"] }] },
        { field: "do_not_contact", op: "exists", value: false },
      ],
    };
    expect(toApiRules(fromApiRules(saved))).toEqual(saved);
  });
});
