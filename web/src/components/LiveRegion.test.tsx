import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { LiveRegion } from "./LiveRegion";

describe("LiveRegion", () => {
  it("is a polite status holding the message, replaced when the key changes", () => {
    const { rerender } = render(<LiveRegion message="Saved" messageKey="1" />);
    const region = screen.getByRole("status");
    expect(region).toHaveAttribute("aria-live", "polite");
    const first = region.firstElementChild;
    expect(region).toHaveTextContent("Saved");
    rerender(<LiveRegion message="Saved" messageKey="2" />);
    expect(region.firstElementChild).not.toBe(first); // a new node: announced again
    rerender(<LiveRegion message="" />);
    expect(region).toBeEmptyDOMElement();
  });
});
