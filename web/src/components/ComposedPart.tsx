/** One part of a composed view (customer 360): its content, or a note saying why it is missing. */
import { type ReactNode, useId } from "react";

import type { ComposedSection } from "../api/composed";

export interface ComposedPartProps<T> {
  title: string;
  part: ComposedSection<T>;
  /** Shown for `forbidden`, `unavailable`, and `ok` without data. */
  messages: { forbidden: string; unavailable: string; empty: string };
  children(data: T): ReactNode;
  /** Whether non-null data still counts as empty (an empty list). */
  isEmpty?(data: T): boolean;
  /** Shown below the part whatever its status (an action such as "Open a case"). */
  footer?: ReactNode;
}

export function ComposedPart<T>({ title, part, messages, children, isEmpty, footer }: ComposedPartProps<T>) {
  const headingId = useId();
  let body: ReactNode;
  if (part.status !== "ok") body = <p className={`muted part-${part.status}`}>{messages[part.status]}</p>;
  else if (part.data === null || (isEmpty?.(part.data) ?? false)) body = <p className="muted">{messages.empty}</p>;
  else body = children(part.data);
  return (
    <section className="card" aria-labelledby={headingId} data-status={part.status}>
      <h2 id={headingId}>{title}</h2>
      {body}
      {footer}
    </section>
  );
}
