/** A visually hidden polite live region: screen readers announce each new `message`
 * (a new `messageKey` announces the same text again). */
import "./components.css";

export function LiveRegion({ message, messageKey }: { message: string; messageKey?: string | undefined }) {
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {message !== "" && <span key={messageKey ?? message}>{message}</span>}
    </div>
  );
}
