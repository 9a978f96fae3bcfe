/** How far a long task is: a native progress bar with a label and the percentage. */
export interface ProgressBarProps {
  label: string;
  /** 0..1, or null while unknown (indeterminate). */
  value: number | null;
}

export function ProgressBar({ label, value }: ProgressBarProps) {
  const percent = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress">
      <progress aria-label={label} max={100} {...(percent === null ? {} : { value: percent })} />
      <span aria-hidden="true">{percent === null ? "…" : `${percent}%`}</span>
    </div>
  );
}
