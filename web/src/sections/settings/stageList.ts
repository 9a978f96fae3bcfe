/** A pipeline's stages while they are edited: each with a key that survives reordering. */
import type { Stage } from "./types";

export interface EditedStage {
  /** Stable across moves (the stage id, or a new one's local key). */
  key: string;
  stage: Stage;
}

/** The stages with keys for editing. */
export function editable(stages: readonly Stage[]): EditedStage[] {
  return stages.map((stage, index) => ({ key: stage.id ?? `stage-${index}`, stage }));
}

/** The list with the item at `index` moved by `delta` places (unchanged past either end). */
export function moveStage<T>(items: readonly T[], index: number, delta: -1 | 1): T[] {
  const target = index + delta;
  if (index < 0 || index >= items.length || target < 0 || target >= items.length) return [...items];
  const moved = [...items];
  const [item] = moved.splice(index, 1);
  moved.splice(target, 0, item as T);
  return moved;
}
