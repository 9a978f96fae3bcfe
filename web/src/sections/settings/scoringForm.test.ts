import { describe, expect, it } from "vitest";

import { draftOf, ruleValue, scoringBody } from "./scoringForm";

describe("scoring rules in the form", () => {
  it("sends each operator's kind of value", () => {
    expect(ruleValue({ op: "in", value: "referral, web ,,event" })).toEqual(["referral", "web", "event"]);
    expect(ruleValue({ op: "gte", value: "5" })).toBe(5);
    expect(ruleValue({ op: "exists", value: "ignored" })).toBeNull();
    expect(ruleValue({ op: "eq", value: " referral " })).toBe("referral");
    expect(ruleValue({ op: "eq", value: "true" })).toBe(true);
  });

  it("round-trips a rule and leaves an empty junk threshold out", () => {
    const draft = draftOf({ id: "rule_1", name: "Partners", field: "tags", op: "in", value: ["partner", "vip"], points: 20 }, "k");
    expect(draft.value).toBe("partner, vip");
    const body = scoringBody([draft, { ...draft, id: null, name: "New" }], { hot: "70", warm: "40", junk: "" });
    expect(body).toEqual({
      rules: [
        { id: "rule_1", name: "Partners", field: "tags", op: "in", value: ["partner", "vip"], points: 20 },
        { name: "New", field: "tags", op: "in", value: ["partner", "vip"], points: 20 },
      ],
      hot_threshold: 70,
      warm_threshold: 40,
      junk_below: null,
    });
  });
});
