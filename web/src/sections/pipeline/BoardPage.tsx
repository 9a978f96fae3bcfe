/** The kanban of one pipeline: deals dragged (or moved with the keyboard) between stages. */
import {
  type Announcements,
  type CollisionDetection,
  DndContext,
  type DragEndEvent,
  DragOverlay,
  type DragStartEvent,
  KeyboardSensor,
  type KeyboardCoordinateGetter,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
} from "@dnd-kit/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { usePipelines } from "../../api/pipelines";
import { hasAnyRole } from "../../auth/claims";
import { useSession } from "../../auth/session";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useBoard, useLoadMore } from "./api";
import { findDeal } from "./board";
import { BoardColumn } from "./BoardColumn";
import { DealSummary } from "./DealCard";
import { neighbourColumn } from "./keyboardColumns";
import { MovePrompt } from "./MovePrompt";
import { STRINGS } from "./strings";
import type { Board } from "./types";
import { useStageMove } from "./useStageMove";

/** Roles that may move deals (sales only their own: the API decides). */
const MOVERS = ["admin", "sales_manager", "sales"] as const;

/** Arrow keys jump a picked-up card to the next column; the card's top stays where it is. */
const columnCoordinates: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
  const rects = [...context.droppableRects.entries()].map(([id, rect]) => ({ id: String(id), left: rect.left, width: rect.width }));
  const centre = currentCoordinates.x + (context.collisionRect?.width ?? 0) / 2;
  const next = neighbourColumn(rects, centre, event.code);
  if (next === null) return undefined;
  event.preventDefault();
  return { x: next.left + 8, y: currentCoordinates.y };
};

/** A card dropped with the pointer lands in the column under the pointer (not the one its
 * card overlaps most); keyboard moves, which have no pointer, use the overlap. */
const columnUnderPointer: CollisionDetection = (args) => {
  const under = pointerWithin(args);
  return under.length > 0 ? under : rectIntersection(args);
};

export default function BoardPage() {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const { t: shell } = useTranslation();
  const { user } = useSession();
  const [search, setSearch] = useSearchParams();
  const pipelineId = search.get("pipeline_id");
  const pipelines = usePipelines();
  const board = useBoard(pipelineId);
  const loadMore = useLoadMore(pipelineId);
  const moves = useStageMove(pipelineId);
  const [dragged, setDragged] = useState<string | null>(null);
  const canMove = user !== null && hasAnyRole(user, MOVERS);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }), useSensor(KeyboardSensor, { coordinateGetter: columnCoordinates }));

  const data: Board | undefined = board.data;
  const stages = data?.stages ?? [];
  const nameOf = (id: string | number) => (data ? (findDeal(data, String(id))?.deal.name ?? String(id)) : String(id));
  const stageOf = (id: string | number | undefined) => stages.find((s) => s.id === id);
  const announcements: Announcements = {
    onDragStart: ({ active }) => t("dragStart", { name: nameOf(active.id) }),
    onDragOver: ({ active, over }) => (over ? t("dragOver", { name: nameOf(active.id), stage: stageOf(over.id)?.name }) : t("dragOutside", { name: nameOf(active.id) })),
    onDragEnd: ({ active, over }) => (over ? t("dragEnd", { name: nameOf(active.id), stage: stageOf(over.id)?.name }) : t("dragCancel", { name: nameOf(active.id) })),
    onDragCancel: ({ active }) => t("dragCancel", { name: nameOf(active.id) }),
  };

  const onDragStart = ({ active }: DragStartEvent) => setDragged(String(active.id));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    setDragged(null);
    const found = data ? findDeal(data, String(active.id)) : null;
    const to = stageOf(over?.id);
    if (found && to) moves.move(found.deal, to);
  };
  const draggedDeal = dragged && data ? findDeal(data, dragged)?.deal : undefined;
  const pending = moves.pending;

  return (
    <section className="page pipeline-page" aria-labelledby="page-title">
      <div className="pipeline-head">
        <h1 id="page-title">{data ? `${t("title")}: ${data.name}` : t("title")}</h1>
        {(pipelines.data?.items.length ?? 0) > 1 && (
          <label className="pipeline-choice">
            {t("pipeline")}{" "}
            <select value={data?.pipeline_id ?? pipelineId ?? ""} onChange={(e) => setSearch({ pipeline_id: e.target.value })}>
              {pipelines.data?.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {!canMove && <p className="notice">{t("readOnly")}</p>}
      <p role="status" className="move-status">
        {pending
          ? t("moving", { name: pending.deal.name, stage: pending.to.name })
          : moves.done
            ? t("moved", { name: moves.done.deal.name, stage: moves.done.to.name })
            : ""}
      </p>
      {moves.error && (
        <p className="error" role="alert">
          {describeError(moves.error, shell)}
        </p>
      )}
      {board.isPending && <p role="status">{shell("app.loading")}</p>}
      {board.isError && (
        <p className="error" role="alert">
          {describeError(board.error, shell)}
        </p>
      )}
      {data && stages.every((s) => s.count === 0) && <p className="notice">{t("emptyBoard")}</p>}
      {data && (
        <DndContext
          sensors={sensors}
          collisionDetection={columnUnderPointer}
          onDragStart={onDragStart}
          onDragEnd={onDragEnd}
          onDragCancel={() => setDragged(null)}
          accessibility={{ announcements, screenReaderInstructions: { draggable: t("dragInstructions") } }}
        >
          <div className="board" role="group" aria-label={t("board")}>
            {stages.map((column) => (
              <BoardColumn key={column.id} column={column} stages={stages} canMove={canMove} onMove={moves.move} onLoadMore={(cursor) => loadMore(data, column.id, cursor)} />
            ))}
          </div>
          <DragOverlay dropAnimation={null}>
            {draggedDeal ? (
              <div className="deal-card overlay">
                <strong>{draggedDeal.name}</strong>
                <DealSummary deal={draggedDeal} />
              </div>
            ) : null}
          </DragOverlay>
        </DndContext>
      )}
      {moves.question && <MovePrompt key={`${moves.question.kind}-${moves.question.deal.id}-${moves.question.deal.version}`} question={moves.question} stages={stages} onAnswer={moves.answer} onDismiss={moves.dismiss} />}
    </section>
  );
}
