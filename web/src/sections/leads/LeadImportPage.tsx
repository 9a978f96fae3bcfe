/** Import leads from a CSV file: upload progress, then the report of what was kept, rejected
 * and found to be a duplicate, by row number. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { useSession } from "../../auth/session";
import { FileUpload } from "../../components/FileUpload";
import { ApiError } from "../../api/problem";
import { cancelLeadImport, type ImportJob, type ImportReport, startLeadImport, waitForImport } from "./api";
import { useLeadStrings } from "./strings";

function Report({ report }: { report: ImportReport }) {
  const { t } = useLeadStrings();
  return (
    <section className="card import-report" aria-labelledby="import-report-title">
      <h2 id="import-report-title">{t("import.report")}</h2>
      <p role="status">{t("import.summary", { rows: report.rows, created: report.created, failed: report.failed, duplicates: report.duplicates })}</p>
      {report.errors.length > 0 && (
        <table>
          <caption>{t("import.rejected")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("import.row")}</th>
              <th scope="col">{t("import.problem")}</th>
            </tr>
          </thead>
          <tbody>
            {report.errors.map((error) => (
              <tr key={`e${error.row}`}>
                <td>{error.row}</td>
                <td>{error.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.duplicate_rows.length > 0 && (
        <table>
          <caption>{t("import.duplicates")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("import.row")}</th>
              <th scope="col">{t("fields.email")}</th>
              <th scope="col">{t("import.existing")}</th>
            </tr>
          </thead>
          <tbody>
            {report.duplicate_rows.map((duplicate) => (
              <tr key={`d${duplicate.row}`}>
                <td>{duplicate.row}</td>
                <td>{duplicate.email}</td>
                <td>{duplicate.existing_id ? <Link to={`/leads/${encodeURIComponent(duplicate.existing_id)}`}>{t("import.openExisting")}</Link> : t("import.inFile")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Link to="/leads">{t("import.toList")}</Link>
    </section>
  );
}

export function LeadImportPage() {
  const { t, describe } = useLeadStrings();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [job, setJob] = useState<ImportJob | null>(null);

  async function upload(file: File, onProgress: Parameters<typeof startLeadImport>[2]) {
    setJob(null);
    const started = await startLeadImport(client, file, onProgress);
    const finished = await waitForImport(client, started, setJob);
    await queryClient.invalidateQueries({ queryKey: ["leads", "list"] });
    if (finished.status === "failed" && finished.problem !== null) {
      const { status, slug, title, detail } = finished.problem;
      throw new ApiError(status, slug, title, detail);
    }
  }

  const running = job !== null && (job.status === "queued" || job.status === "running");

  return (
    <div className="leads">
      <p>
        <Link to="/leads">{t("detail.back")}</Link>
      </p>
      <h1>{t("import.title")}</h1>
      <p>{t("import.explain")}</p>
      <FileUpload
        label={t("import.file")}
        hint={t("import.fileHint")}
        accept=".csv,text/csv"
        submitLabel={t("import.submit")}
        progressLabel={t("import.progress")}
        upload={upload}
        describeError={(error) => describe(error)}
      />
      {running && (
        <p role="status" className="import-running">
          {t("import.running", { rows: job.report?.rows ?? 0 })}{" "}
          <button type="button" onClick={() => void cancelLeadImport(client, job).then(setJob, () => undefined)}>
            {t("import.cancel")}
          </button>
        </p>
      )}
      {job?.status === "cancelled" && <p role="status">{t("import.cancelled", { created: job.report?.created ?? 0 })}</p>}
      {job?.report != null && !running && <Report report={job.report} />}
    </div>
  );
}
