import { render, screen } from "@testing-library/react";
import { I18nextProvider } from "react-i18next";
import { describe, expect, it } from "vitest";

import { ApiError } from "../api/problem";
import { createI18n } from "../i18n";
import { ListStatus } from "./ListStatus";

async function show(list: { isPending: boolean; error: unknown; items: unknown[] }) {
  const i18n = await createI18n("en");
  return render(
    <I18nextProvider i18n={i18n}>
      <ListStatus list={list} empty="No cases yet: open one from a contact." />
    </I18nextProvider>,
  );
}

describe("ListStatus", () => {
  it("says the list is loading, then why it failed, then that it is empty", async () => {
    const loading = await show({ isPending: true, error: null, items: [] });
    expect(screen.getByRole("status")).toHaveTextContent("Loading");
    loading.unmount();
    const failed = await show({ isPending: false, error: new ApiError(503, "service-unavailable", "Service unavailable", ""), items: [] });
    expect(screen.getByRole("alert")).toHaveTextContent("temporarily unavailable");
    failed.unmount();
    await show({ isPending: false, error: null, items: [] });
    expect(screen.getByText("No cases yet: open one from a contact.")).toHaveClass("empty-state");
  });

  it("shows nothing beside rows", async () => {
    const { container } = await show({ isPending: false, error: null, items: [1] });
    expect(container).toBeEmptyDOMElement();
  });
});
