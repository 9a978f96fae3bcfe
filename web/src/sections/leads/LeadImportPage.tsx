/** Import leads from a CSV file: upload progress, then the report of what was kept, rejected
 * and found to be a duplicate, by row number. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { useSession } from "../../auth/session";
import { FileUpload } from "../../components/FileUpload";
import { type ImportReport, importLeads } from "./api";
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
  const [report, setReport] = useState<ImportReport | null>(null);

  async function upload(file: File, onProgress: Parameters<typeof importLeads>[2]) {
    setReport(null);
    const result = await importLeads(client, file, onProgress);
    setReport(result);
    await queryClient.invalidateQueries({ queryKey: ["leads", "list"] });
  }

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
      {report !== null && <Report report={report} />}
    </div>
  );
}
