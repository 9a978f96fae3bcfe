/** The question a move asks: the reason a deal was lost, or whether to move a deal that
 * changed meanwhile (showing its fresh stage and version). */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";

import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { Stage } from "./types";
import type { MoveQuestion } from "./useStageMove";

/** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
function keepFocusInside(event: KeyboardEvent<HTMLElement>) {
  const controls = [...event.currentTarget.querySelectorAll<HTMLElement>("input, button, select, textarea, a[href]")];
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last?.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first?.focus();
  }
}

export function MovePrompt({ question, stages, onAnswer, onDismiss }: { question: MoveQuestion; stages: readonly Stage[]; onAnswer: (lostReason: string | null) => void; onDismiss: () => void }) {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const [reason, setReason] = useState("");
  const first = useRef<HTMLInputElement & HTMLButtonElement>(null);
  const { deal, to } = question;
  const stageName = (id: string) => stages.find((s) => s.id === id)?.name ?? id;

  useEffect(() => {
    const previous = document.activeElement;
    first.current?.focus();
    return () => {
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
    };
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) onAnswer(reason.trim());
  };

  let body;
  if (question.kind === "lost-reason") {
    body = (
      <form onSubmit={submit}>
        <h2 id="move-prompt-title">{t("lostTitle", { name: deal.name })}</h2>
        <label htmlFor="lost-reason">{t("lostReason")}</label>
        <input id="lost-reason" ref={first} required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} aria-describedby="lost-reason-hint" />
        <p id="lost-reason-hint" className="muted">
          {t("lostHint")}
        </p>
        <div className="actions">
          <button type="submit" className="button">
            {t("closeLost")}
          </button>
          <button type="button" className="button secondary" onClick={onDismiss}>
            {t("cancel")}
          </button>
        </div>
      </form>
    );
  } else {
    const already = deal.stage === to.id;
    body = (
      <>
        <h2 id="move-prompt-title">{t("conflictTitle", { name: deal.name })}</h2>
        <p>{t("conflictBody", { stage: stageName(deal.stage), version: deal.version })}</p>
        <p>{already ? t("conflictAlready", { stage: to.name }) : t("conflictAsk", { stage: to.name })}</p>
        <div className="actions">
          {already ? (
            <button type="button" className="button" ref={first} onClick={onDismiss}>
              {t("close")}
            </button>
          ) : (
            <>
              <button type="button" className="button" ref={first} onClick={() => onAnswer(null)}>
                {t("moveAnyway", { stage: to.name })}
              </button>
              <button type="button" className="button secondary" onClick={onDismiss}>
                {t("keep", { stage: stageName(deal.stage) })}
              </button>
            </>
          )}
        </div>
      </>
    );
  }
  return (
    <div className="modal-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="move-prompt-title"
        className="modal"
        onKeyDown={(event) => {
          if (event.key === "Escape") onDismiss();
          if (event.key === "Tab") keepFocusInside(event);
        }}
      >
        {body}
      </div>
    </div>
  );
}
