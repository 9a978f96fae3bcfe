/** A secret the server shows only once (an API key, a signing secret): the value in a
 * read-only field, a copy button, and the warning that it will not be shown again. */
import "./components.css";
import { useId, useState } from "react";

export interface OneTimeSecretProps {
  /** What the secret is ("Your new API key"). */
  label: string;
  secret: string;
  /** The warning that it cannot be seen again. */
  warning: string;
  copyLabel: string;
  copiedLabel: string;
  /** Said when the browser refused the clipboard (select and copy by hand). */
  copyFailedLabel: string;
  doneLabel: string;
  /** The user has kept the secret: forget it. */
  onDone: () => void;
}

export function OneTimeSecret({ label, secret, warning, copyLabel, copiedLabel, copyFailedLabel, doneLabel, onDone }: OneTimeSecretProps) {
  const id = useId();
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  async function copySecret() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  }
  return (
    <div className="one-time-secret">
      <label id={`${id}-label`} htmlFor={`${id}-value`}>
        {label}
      </label>
      <p id={`${id}-warning`} className="one-time-secret-warning">
        {warning}
      </p>
      <div className="one-time-secret-value">
        <input id={`${id}-value`} readOnly value={secret} aria-describedby={`${id}-warning`} onFocus={(event) => event.target.select()} />
        <button type="button" className="button secondary" onClick={() => void copySecret()}>
          {copyLabel}
        </button>
      </div>
      <p role="status" className="one-time-secret-copied">
        {copy === "copied" ? copiedLabel : copy === "failed" ? copyFailedLabel : ""}
      </p>
      <button type="button" className="button" onClick={onDone}>
        {doneLabel}
      </button>
    </div>
  );
}
