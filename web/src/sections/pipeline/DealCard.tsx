/** A deal on the board: its name (to its page), amount and close date, a drag handle and a
 * "move to stage" select (the keyboard's way) for those who may move it. */
import { useDraggable } from "@dnd-kit/core";
import { Link } from "react-router";

import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import type { Deal, Stage } from "./types";

export function DealSummary({ deal }: { deal: Deal }) {
  const locale = useLocale();
  return (
    <p className="deal-figures">
      <span>{formatMoney(deal.amount, locale, deal.currency)}</span>
      {deal.expected_close_date && <span>{formatDate(`${deal.expected_close_date}T00:00:00Z`, locale, "UTC")}</span>}
    </p>
  );
}

export function DealCard({ deal, stages, canMove, onMove }: { deal: Deal; stages: readonly Stage[]; canMove: boolean; onMove: (deal: Deal, to: Stage) => void }) {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: deal.id, disabled: !canMove });
  const selectId = `move-${deal.id}`;
  return (
    <article ref={setNodeRef} className={isDragging ? "deal-card dragging" : "deal-card"} data-testid={`deal-${deal.id}`}>
      <div className="deal-card-top">
        <Link to={`deals/${encodeURIComponent(deal.id)}`} className="deal-name">
          {deal.name}
        </Link>
        {canMove && (
          <button type="button" className="drag-handle" {...attributes} {...listeners} aria-label={t("dragHandle", { name: deal.name })}>
            <svg viewBox="0 0 10 16" aria-hidden="true" focusable="false">
              {[2, 8].flatMap((x) => [2, 8, 14].map((y) => <circle key={`${x}-${y}`} cx={x} cy={y} r="1.6" />))}
            </svg>
          </button>
        )}
      </div>
      <DealSummary deal={deal} />
      {canMove && (
        <>
          <label htmlFor={selectId} className="pipeline-sr-only">
            {t("moveTo", { name: deal.name })}
          </label>
          <select
            id={selectId}
            className="move-select"
            value={deal.stage}
            onChange={(event) => {
              const to = stages.find((s) => s.id === event.target.value);
              if (to) onMove(deal, to);
            }}
          >
            {stages.map((stage) => (
              <option key={stage.id} value={stage.id}>
                {stage.name}
              </option>
            ))}
          </select>
        </>
      )}
    </article>
  );
}
