/**
 * A horizontal bar chart whose rows are links (to the list behind each figure), drawn with
 * plain SVG, and the same figures as a table behind a disclosure (its text alternative).
 * A row's link reads "<label> <column>: <figure> …" (the column names are visually hidden).
 */
import { Fragment } from "react";
import { Link } from "react-router";

import "./BarChart.css";

export interface BarChartRow {
  key: string;
  label: string;
  /** Where the row's figures come from (a filtered list). */
  href: string;
  /** Bar lengths, one per series, all on one scale. */
  values: readonly number[];
  /** The figures as text, one per column. */
  cells: readonly string[];
}

export interface BarChartProps {
  /** What the chart shows (names the list of rows and the table). */
  label: string;
  /** The table's header of the row labels. */
  rowHeader: string;
  /** The table's headers of the cells. */
  columns: readonly string[];
  /** The names of the bars of a row (a legend is shown when there are several). */
  series: readonly string[];
  rows: readonly BarChartRow[];
  /** The disclosure's text, e.g. "Show as a table". */
  tableToggle: string;
}

const BAR_HEIGHT = 10;

/** The bars' widths in percent of the largest value of the chart. */
export function barWidths(rows: readonly Pick<BarChartRow, "values">[]): number[][] {
  const max = Math.max(0, ...rows.flatMap((row) => row.values));
  return rows.map((row) => row.values.map((value) => (max > 0 ? Math.max(0, (value / max) * 100) : 0)));
}

function Swatch({ series }: { series: number }) {
  return (
    <svg className="bar-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
      <rect className={`bar-series-${series}`} width="10" height="10" />
    </svg>
  );
}

export function BarChart({ label, rowHeader, columns, series, rows, tableToggle }: BarChartProps) {
  const widths = barWidths(rows);
  return (
    <div className="bar-chart">
      {series.length > 1 && (
        <ul className="bar-legend">
          {series.map((name, i) => (
            <li key={name}>
              <Swatch series={i} />
              {name}
            </li>
          ))}
        </ul>
      )}
      <ul className="bar-rows" aria-label={label}>
        {rows.map((row, r) => (
          <li key={row.key}>
            <Link className="bar-row" to={row.href}>
              <span className="bar-label">{row.label}</span>{" "}
              <span className="bar-cells">
                {row.cells.map((cell, i) => (
                  <Fragment key={i}>
                    {i > 0 && <span aria-hidden="true"> ·</span>} <span className="bar-hidden">{columns[i]}:</span> {cell}
                  </Fragment>
                ))}
              </span>
              <svg
                className="bar-track"
                viewBox={`0 0 100 ${row.values.length * BAR_HEIGHT}`}
                preserveAspectRatio="none"
                height={row.values.length * BAR_HEIGHT}
                aria-hidden="true"
                focusable="false"
              >
                {row.values.map((_, i) => (
                  <rect key={i} className={`bar-series-${i}`} x="0" y={i * BAR_HEIGHT} width={widths[r]?.[i] ?? 0} height={BAR_HEIGHT - 2} />
                ))}
              </svg>
            </Link>
          </li>
        ))}
      </ul>
      <details className="bar-table">
        <summary>{tableToggle}</summary>
        <table>
          <caption>{label}</caption>
          <thead>
            <tr>
              <th scope="col">{rowHeader}</th>
              {columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.label}</th>
                {row.cells.map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
