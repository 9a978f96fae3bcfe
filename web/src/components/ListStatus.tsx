/** What a cursor list shows besides its rows: that it is loading, why it failed, or that
 * it is empty (with `empty`, the words that say what to do next). */
import { useTranslation } from "react-i18next";

import type { CursorList } from "../api/useCursorList";
import { describeError } from "../i18n/describeError";

export function ListStatus({ list, empty, emptyClassName = "empty-state" }: { list: Pick<CursorList<unknown>, "isPending" | "error" | "items">; empty: string; emptyClassName?: string }) {
  const { t } = useTranslation();
  if (list.isPending) return <p role="status">{t("app.loading")}</p>;
  if (list.error !== null) {
    return (
      <p className="error" role="alert">
        {describeError(list.error, t)}
      </p>
    );
  }
  return list.items.length === 0 ? <p className={emptyClassName}>{empty}</p> : null;
}
