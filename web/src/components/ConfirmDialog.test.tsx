import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ConfirmDialog } from "./ConfirmDialog";

function renderConfirm(props: { busy?: boolean; error?: string | null; confirmDisabled?: boolean } = {}) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  render(
    <ConfirmDialog title="Delete?" message="It cannot be undone." confirmLabel="Delete" cancelLabel="Cancel" closeLabel="Close" onConfirm={onConfirm} onCancel={onCancel} {...props}>
      <input aria-label="Reason" />
    </ConfirmDialog>,
  );
  return { onConfirm, onCancel };
}

describe("ConfirmDialog", () => {
  it("confirms by the button or by Enter in a field, cancels by the button or Esc", () => {
    const { onConfirm, onCancel } = renderConfirm();
    expect(screen.getByRole("dialog", { name: "Delete?" })).toHaveTextContent("It cannot be undone.");
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    fireEvent.submit(screen.getByLabelText("Reason"));
    expect(onConfirm).toHaveBeenCalledTimes(2);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(onCancel).toHaveBeenCalledTimes(2);
  });

  it("shows why the last attempt failed and blocks a second one while busy", () => {
    const { onConfirm } = renderConfirm({ busy: true, error: "Not allowed." });
    expect(screen.getByRole("alert")).toHaveTextContent("Not allowed.");
    expect(screen.getByRole("button", { name: "Delete" })).toBeDisabled();
    fireEvent.submit(screen.getByLabelText("Reason"));
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("offers no confirmation until the form may be sent", () => {
    const { onConfirm } = renderConfirm({ confirmDisabled: true });
    expect(screen.getByRole("button", { name: "Delete" })).toBeDisabled();
    fireEvent.submit(screen.getByLabelText("Reason"));
    expect(onConfirm).not.toHaveBeenCalled();
  });
});
