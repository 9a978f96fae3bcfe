/** What a record's page shows until the record is there: that it is loading, or the
 * page's heading (`title`) and why the record could not be read. */
import { useTranslation } from "react-i18next";

import { describeError } from "../i18n/describeError";

export function RecordStatus({ query, title }: { query: { isPending: boolean; isError: boolean; error: unknown }; title: string }) {
  const { t } = useTranslation();
  if (query.isPending) return <p role="status">{t("app.loading")}</p>;
  if (!query.isError) return null;
  return (
    <>
      <h1 id="page-title">{title}</h1>
      <p className="error" role="alert">
        {describeError(query.error, t)}
      </p>
    </>
  );
}
