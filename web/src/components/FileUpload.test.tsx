import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { UploadProgress } from "../api/upload";
import { FileUpload } from "./FileUpload";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

function setup() {
  const pending = deferred();
  let report: (progress: UploadProgress) => void = () => {};
  const sent: File[] = [];
  render(
    <FileUpload
      label="CSV file"
      accept=".csv"
      submitLabel="Import"
      progressLabel="Upload progress"
      describeError={(error) => `Failed: ${String(error)}`}
      upload={(file, onProgress) => {
        sent.push(file);
        report = onProgress;
        return pending.promise;
      }}
    />,
  );
  const file = new File(["a,b\n1,2\n"], "leads.csv", { type: "text/csv" });
  fireEvent.change(screen.getByLabelText("CSV file"), { target: { files: [file] } });
  return { pending, progress: (loaded: number, total: number) => report({ loaded, total }), sent, file };
}

describe("FileUpload", () => {
  it("sends the picked file and shows its progress", async () => {
    const { pending, progress, sent, file } = setup();
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect(sent).toEqual([file]);
    expect(screen.getByRole("button", { name: "Import" })).toBeDisabled();
    progress(40, 100);
    expect(await screen.findByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("value", "40");
    pending.resolve();
    await waitFor(() => expect(screen.getByRole("progressbar")).toHaveAttribute("value", "100"));
    expect(screen.getByRole("button", { name: "Import" })).toBeEnabled();
  });

  it("says why an upload failed at the field", async () => {
    const { pending } = setup();
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    pending.reject("413");
    expect(await screen.findByText("Failed: 413")).toBeInTheDocument();
    expect(screen.getByLabelText("CSV file")).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByRole("progressbar")).toBeNull();
  });

  it("sends nothing before a file is picked", () => {
    render(<FileUpload label="CSV file" accept=".csv" submitLabel="Import" progressLabel="p" describeError={String} upload={() => Promise.resolve()} />);
    expect(screen.getByRole("button", { name: "Import" })).toBeDisabled();
  });
});
