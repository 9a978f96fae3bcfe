/** Ask before an action: a message, optional extra fields, confirm and cancel. */
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
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, message, children, confirmLabel, cancelLabel, closeLabel, onConfirm, onCancel, busy = false, error = null, danger = false } = props;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!busy) onConfirm();
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
          <button type="submit" className={danger ? "button danger" : "button"} disabled={busy} aria-busy={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
