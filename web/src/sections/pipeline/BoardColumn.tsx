/** A stage of the board: its totals, its deals (a page at a time) and a drop target. */
import { useDroppable } from "@dnd-kit/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { formatMoney } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { DealCard } from "./DealCard";
import { STRINGS } from "./strings";
import type { BoardColumn as Column, Deal, Stage } from "./types";

export function BoardColumn({
  column,
  stages,
  canMove,
  onMove,
  onLoadMore,
}: {
  column: Column;
  stages: readonly Stage[];
  canMove: boolean;
  onMove: (deal: Deal, to: Stage) => void;
  onLoadMore: (cursor: string) => Promise<void>;
}) {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const locale = useLocale();
  const { setNodeRef, isOver } = useDroppable({ id: column.id });
  const { t: shell } = useTranslation();
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const titleId = `stage-${column.id}`;
  const loadMore = async (cursor: string) => {
    setLoading(true);
    setLoadError(null);
    try {
      await onLoadMore(cursor);
    } catch (error) {
      setLoadError(error);
    } finally {
      setLoading(false);
    }
  };
  return (
    <section ref={setNodeRef} className={`board-column kind-${column.kind}${isOver ? " over" : ""}`} aria-labelledby={titleId} data-testid={`column-${column.id}`}>
      <header>
        <h2 id={titleId}>{column.name}</h2>
        <p className="column-count">{t("dealsCount", { count: column.count })}</p>
        {column.totals.map((total) => (
          <p key={total.currency} className="column-total">
            {formatMoney(total.amount, locale, total.currency)}{" "}
            <span className="muted">{t("weighted", { amount: formatMoney(total.weighted, locale, total.currency) })}</span>
          </p>
        ))}
      </header>
      {column.deals.length === 0 ? (
        <p className="muted empty-column">{t("emptyColumn")}</p>
      ) : (
        <ul className="column-deals">
          {column.deals.map((deal) => (
            <li key={deal.id}>
              <DealCard deal={deal} stages={stages} canMove={canMove} onMove={onMove} />
            </li>
          ))}
        </ul>
      )}
      {loadError !== null && (
        <p className="error" role="alert">
          {describeError(loadError, shell)}
        </p>
      )}
      {column.next_cursor && (
        <button type="button" className="button secondary" disabled={loading} onClick={() => void loadMore(column.next_cursor!)}>
          {t("loadMore")}
        </button>
      )}
    </section>
  );
}
