/**
 * A table that keeps only the rows in view (plus a few) in the DOM, so ten thousand rows
 * scroll as smoothly as fifty. Rows have one fixed height, which makes the window a matter of
 * arithmetic (no measuring); when the last rows come into view, `onNearEnd` asks for more.
 */
import "./components.css";
import { type ReactNode, type UIEvent, useEffect, useLayoutEffect, useRef, useState } from "react";

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (item: T) => ReactNode;
  /** The column's CSS grid track, e.g. "2fr" or "8rem". */
  width: string;
}

export interface VirtualTableProps<T> {
  /** The accessible name of the table. */
  label: string;
  items: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (item: T) => string;
  /** Every row's height in pixels. */
  rowHeight: number;
  /** The scrolling area's height in pixels until it is measured. */
  height: number;
  /** Rows rendered beyond each edge of the view. */
  overscan?: number;
  /** Called when the rows in view reach the last `overscan` rows. */
  onNearEnd?: () => void;
  /** All rows are loaded (the row count is then announced). */
  complete?: boolean;
  /** Below the rows: e.g. "loading more". */
  footer?: ReactNode;
}

/** The indexes [first, last) of the rows to render for a scroll position. */
export function rowWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { label, items, columns, rowKey, rowHeight, height, overscan = 8, onNearEnd, complete = false, footer } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(height);
  const template = columns.map((column) => column.width).join(" ");

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (element.clientHeight > 0) setViewport(element.clientHeight);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const [first, last] = rowWindow(scrollTop, viewport, rowHeight, items.length, overscan);
  const nearEnd = items.length > 0 && last >= items.length - overscan;
  const nearEndRef = useRef(onNearEnd);
  nearEndRef.current = onNearEnd;
  useEffect(() => {
    if (nearEnd) nearEndRef.current?.();
  }, [nearEnd, items.length]);

  function onScroll(event: UIEvent<HTMLDivElement>) {
    setScrollTop(event.currentTarget.scrollTop);
  }

  return (
    <div className="vtable" role="table" aria-label={label} aria-rowcount={complete ? items.length + 1 : -1}>
      <div role="rowgroup" className="vtable-head">
        <div role="row" aria-rowindex={1} className="vtable-row" style={{ gridTemplateColumns: template }}>
          {columns.map((column) => (
            <div role="columnheader" key={column.key} className="vtable-cell">
              {column.header}
            </div>
          ))}
        </div>
      </div>
      <div ref={scroller} className="vtable-scroller" style={{ height }} onScroll={onScroll}>
        <div role="rowgroup" className="vtable-body" style={{ height: items.length * rowHeight }}>
          {items.slice(first, last).map((item, offset) => {
            const index = first + offset;
            return (
              <div
                role="row"
                key={rowKey(item)}
                aria-rowindex={index + 2}
                className="vtable-row"
                style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${index * rowHeight}px)` }}
              >
                {columns.map((column) => (
                  <div role="cell" key={column.key} className="vtable-cell">
                    {column.render(item)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {footer}
      </div>
    </div>
  );
}
