/** Ask before an action, or fill in a small form: a message, optional fields, why the last
 * attempt failed, confirm and cancel. */
import type { FormEvent, ReactNode } from "react";

import { Dialog } from "./Dialog";

export interface ConfirmDialogProps {
  title: string;
  /** What will happen. */
  message?: ReactNode;
  /** Extra fields (e.g. a reason), rendered inside the form. */
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  closeLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  /** Why the last attempt failed. */
  error?: string | null;
  /** A destructive action gets the danger style. */
  danger?: boolean;
  /** The confirm button is off (e.g. a required choice is not made yet). */
  confirmDisabled?: boolean;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, message, children, confirmLabel, cancelLabel, closeLabel, onConfirm, onCancel, busy = false, error = null, danger = false, confirmDisabled = false } = props;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!busy && !confirmDisabled) onConfirm();
  }
  return (
    <Dialog title={title} onClose={onCancel} closeLabel={closeLabel} busy={busy}>
      <form onSubmit={submit} className="dialog-form">
        {message !== undefined && <div className="dialog-message">{message}</div>}
        {children}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
            {cancelLabel}
          </button>
          <button type="submit" className={danger ? "button danger" : "button"} disabled={busy || confirmDisabled} aria-busy={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
