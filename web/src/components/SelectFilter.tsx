/** A labelled select of a list's filter; `anyLabel` adds the choice that removes it. */
export interface FilterOption {
  value: string;
  label: string;
}

export function SelectFilter({ id, label, value, options, anyLabel, onChange }: { id: string; label: string; value: string; options: readonly FilterOption[]; anyLabel?: string; onChange: (value: string) => void }) {
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
