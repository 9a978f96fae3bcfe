/** The question a move asks: the reason a deal was lost, or whether to move a deal that
 * changed meanwhile (showing its fresh stage and version). */
import { type FormEvent, useEffect, useRef, useState } from "react";

import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { Stage } from "./types";
import type { MoveQuestion } from "./useStageMove";

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
        }}
      >
        {body}
      </div>
    </div>
  );
}
