/** The question a move asks: the reason a deal was lost, or whether to move a deal that
 * changed meanwhile (showing its fresh stage and version). */
import { type FormEvent, useState } from "react";

import { Dialog } from "../../components/Dialog";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { Stage } from "./types";
import type { MoveQuestion } from "./useStageMove";

export function MovePrompt({ question, stages, onAnswer, onDismiss }: { question: MoveQuestion; stages: readonly Stage[]; onAnswer: (lostReason: string | null) => void; onDismiss: () => void }) {
  const { t } = useSectionStrings("pipeline", STRINGS);
  const [reason, setReason] = useState("");
  const { deal, to } = question;
  const stageName = (id: string) => stages.find((s) => s.id === id)?.name ?? id;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) onAnswer(reason.trim());
  };

  let body;
  if (question.kind === "lost-reason") {
    body = (
      <form className="move-prompt" onSubmit={submit}>
        <label htmlFor="lost-reason">{t("lostReason")}</label>
        <input id="lost-reason" required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} aria-describedby="lost-reason-hint" />
        <p id="lost-reason-hint" className="muted">
          {t("lostHint")}
        </p>
        <div className="dialog-actions">
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
        <p>{t("conflictBody", { stage: stageName(deal.stage), version: deal.version })}</p>
        <p>{already ? t("conflictAlready", { stage: to.name }) : t("conflictAsk", { stage: to.name })}</p>
        <div className="dialog-actions">
          {already ? (
            <button type="button" className="button" onClick={onDismiss}>
              {t("close")}
            </button>
          ) : (
            <>
              <button type="button" className="button" onClick={() => onAnswer(null)}>
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
  const title = question.kind === "lost-reason" ? t("lostTitle", { name: deal.name }) : t("conflictTitle", { name: deal.name });
  return (
    <Dialog title={title} onClose={onDismiss} closeLabel={t("close")}>
      {body}
    </Dialog>
  );
}
