/** Download the CSV of the current filter (through the API client: the download needs the
 * Authorization header, so it is fetched and handed to the browser as a Blob). */
import { useState } from "react";

import { useSession } from "../../auth/session";
import { exportLeads, type LeadFilters } from "./api";
import { useLeadStrings } from "./strings";

/** Hand `blob` to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function ExportButton({ filters }: { filters: LeadFilters }) {
  const { t, describe } = useLeadStrings();
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await exportLeads(client, filters);
      saveBlob(blob, filename ?? "leads.csv");
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="button secondary" onClick={() => void run()} disabled={busy} aria-busy={busy}>
        {busy ? t("list.exporting") : t("list.export")}
      </button>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
