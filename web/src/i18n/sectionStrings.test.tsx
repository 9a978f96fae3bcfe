import { render, screen } from "@testing-library/react";
import { I18nextProvider } from "react-i18next";
import { describe, expect, it } from "vitest";

import { createI18n, switchLanguage } from ".";
import { defineSectionStrings, useSectionStrings } from "./sectionStrings";

const STRINGS = defineSectionStrings({ greeting: { hello: "Hello, {{name}}" } }, { greeting: { hello: "Halo, {{name}}" } });

function Greeting() {
  const { t } = useSectionStrings("example", STRINGS);
  return <p>{t("greeting.hello", { name: "Sri" })}</p>;
}

describe("section strings", () => {
  it("adds a section's namespace on first render, in every language", async () => {
    const i18n = await createI18n("en");
    expect(i18n.hasResourceBundle("en", "example")).toBe(false);
    const view = render(
      <I18nextProvider i18n={i18n}>
        <Greeting />
      </I18nextProvider>,
    );
    expect(screen.getByText("Hello, Sri")).toBeInTheDocument();
    await switchLanguage(i18n, "id", localStorage);
    view.rerender(
      <I18nextProvider i18n={i18n}>
        <Greeting />
      </I18nextProvider>,
    );
    expect(await screen.findByText("Halo, Sri")).toBeInTheDocument();
  });
});
