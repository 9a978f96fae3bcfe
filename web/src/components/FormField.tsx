/** A labelled form control with an optional hint and error, wired for assistive technology
 * (`aria-describedby`, `aria-invalid`). The control is rendered by `children` with the props. */
import "./components.css";
import { type ReactNode, useId } from "react";

/** What the control must spread onto itself. */
export interface FieldControlProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
}

export interface FormFieldProps {
  label: string;
  hint?: string;
  error?: string | null;
  required?: boolean;
  children: (control: FieldControlProps) => ReactNode;
}

export function FormField({ label, hint, error = null, required = false, children }: FormFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [hint !== undefined ? hintId : null, error !== null ? errorId : null].filter(Boolean).join(" ");
  const control: FieldControlProps = { id, "aria-invalid": error !== null, ...(described ? { "aria-describedby": described } : {}) };
  return (
    <div className="form-field">
      <label htmlFor={id}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {children(control)}
      {hint !== undefined && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error !== null && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
