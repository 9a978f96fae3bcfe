/** Keyboard moves of a dragged card: the arrow keys jump from one column to the next. */

export interface ColumnRect {
  id: string;
  left: number;
  width: number;
}

/**
 * The column left or right (`ArrowLeft`/`ArrowRight`) of the one under `x` (the dragged
 * card's centre), or of the nearest one; `null` at the edges and for other keys.
 */
export function neighbourColumn(columns: readonly ColumnRect[], x: number, key: string): ColumnRect | null {
  const step = key === "ArrowRight" ? 1 : key === "ArrowLeft" ? -1 : 0;
  if (step === 0 || columns.length === 0) return null;
  const ordered = [...columns].sort((a, b) => a.left - b.left);
  const distance = (c: ColumnRect) => (x < c.left ? c.left - x : x > c.left + c.width ? x - c.left - c.width : 0);
  const index = ordered.reduce((best, c, i) => (distance(c) < distance(ordered[best]!) ? i : best), 0);
  return ordered[index + step] ?? null;
}
