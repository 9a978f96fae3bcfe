import { describe, expect, it } from "vitest";

import { editable, moveStage } from "./stageList";

describe("moving a stage", () => {
  it("moves an item one place up or down", () => {
    expect(moveStage(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moveStage(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
  });

  it("leaves the order alone past either end, and returns a new list", () => {
    const items = ["a", "b"];
    const up = moveStage(items, 0, -1);
    expect(up).toEqual(["a", "b"]);
    expect(up).not.toBe(items);
    expect(moveStage(items, 1, 1)).toEqual(["a", "b"]);
  });

  it("keys stages by id, and new ones by position", () => {
    const keys = editable([
      { id: "lead", name: "Lead", probability: 10, kind: "open" },
      { name: "Demo", probability: 30, kind: "open" },
    ]).map((item) => item.key);
    expect(keys).toEqual(["lead", "stage-1"]);
  });
});
