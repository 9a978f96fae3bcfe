import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ComposedPart } from "./ComposedPart";

const MESSAGES = { forbidden: "Not for your role.", unavailable: "Service down.", empty: "Nothing here." };

function renderPart(part: Parameters<typeof ComposedPart<string[]>>[0]["part"]) {
  return render(
    <ComposedPart title="Deals" part={part} messages={MESSAGES} isEmpty={(items) => items.length === 0} footer={<a href="/new">Add</a>}>
      {(items) => <p>{items.join(", ")}</p>}
    </ComposedPart>,
  );
}

describe("ComposedPart", () => {
  it("shows the data of a part that answered, under its heading, with the footer", () => {
    renderPart({ status: "ok", data: ["Renewal", "Upsell"] });
    const region = screen.getByRole("region", { name: "Deals" });
    expect(region).toHaveTextContent("Renewal, Upsell");
    expect(screen.getByRole("link", { name: "Add" })).toBeInTheDocument();
  });

  it.each([
    [{ status: "forbidden" as const }, "Not for your role."],
    [{ status: "unavailable" as const, reason: "timeout" }, "Service down."],
    [{ status: "ok" as const, data: null }, "Nothing here."],
    [{ status: "ok" as const, data: [] }, "Nothing here."],
  ])("says why a part has nothing to show (%o)", (part, message) => {
    renderPart(part);
    expect(screen.getByRole("region", { name: "Deals" })).toHaveTextContent(message);
    expect(screen.getByRole("link", { name: "Add" })).toBeInTheDocument();
  });
});
