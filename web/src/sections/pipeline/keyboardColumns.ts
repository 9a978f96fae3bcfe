/** Keyboard moves of a dragged card: the arrow keys jump from one column to the next. */

export interface ColumnRect {
  id: string;
  left: number;
  top: number;
  width: number;
}

/**
 * Where a card picked up with the keyboard goes when an arrow key is pressed: the top of
 * the column left or right of the one it is over (`null` at the edges or for other keys).
 */
export function neighbourColumn(columns: readonly ColumnRect[], overId: string | null, key: string): ColumnRect | null {
  const step = key === "ArrowRight" ? 1 : key === "ArrowLeft" ? -1 : 0;
  if (step === 0) return null;
  const ordered = [...columns].sort((a, b) => a.left - b.left);
  const index = ordered.findIndex((c) => c.id === overId);
  return ordered[index + step] ?? null;
}
