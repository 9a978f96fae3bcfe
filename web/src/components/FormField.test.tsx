import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { FormField } from "./FormField";

describe("FormField", () => {
  it("labels the control and describes it by its hint", () => {
    render(<FormField label="Tags" hint="Separate with commas.">{(control) => <input {...control} />}</FormField>);
    const input = screen.getByLabelText("Tags");
    expect(input).toHaveAttribute("aria-invalid", "false");
    expect(input).toHaveAccessibleDescription("Separate with commas.");
  });

  it("marks an invalid control and reads its error with the hint", () => {
    render(
      <FormField label="E-mail" hint="Work address." error="Enter a valid e-mail address." required>
        {(control) => <input {...control} />}
      </FormField>,
    );
    const input = screen.getByLabelText(/E-mail/);
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Work address. Enter a valid e-mail address.");
  });
});
