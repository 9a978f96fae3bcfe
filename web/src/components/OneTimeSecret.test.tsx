import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { OneTimeSecret } from "./OneTimeSecret";

const LABELS = { label: "Your new API key", warning: "You will not see it again.", copyLabel: "Copy", copiedLabel: "Copied.", copyFailedLabel: "Copy it yourself.", doneLabel: "I have kept it" };

function setClipboard(writeText: (text: string) => Promise<void>) {
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
}

describe("the one-time secret panel", () => {
  afterEach(() => {
    Reflect.deleteProperty(navigator, "clipboard");
  });

  it("shows the secret in a labelled field described by the warning, and copies it", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    setClipboard(writeText);
    render(<OneTimeSecret {...LABELS} secret="crm_live_abc123" onDone={() => {}} />);
    const field = screen.getByLabelText("Your new API key");
    expect(field).toHaveValue("crm_live_abc123");
    expect(field).toHaveAttribute("readonly");
    expect(field).toHaveAccessibleDescription("You will not see it again.");
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(await screen.findByText("Copied.")).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith("crm_live_abc123");
  });

  it("says so when the browser refuses the clipboard", async () => {
    setClipboard(() => Promise.reject(new Error("denied")));
    render(<OneTimeSecret {...LABELS} secret="s3cret" onDone={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(await screen.findByText("Copy it yourself.")).toBeInTheDocument();
  });

  it("is dismissed by its owner when the user has kept the secret", () => {
    const onDone = vi.fn();
    render(<OneTimeSecret {...LABELS} secret="s3cret" onDone={onDone} />);
    fireEvent.click(screen.getByRole("button", { name: "I have kept it" }));
    expect(onDone).toHaveBeenCalledOnce();
  });
});
