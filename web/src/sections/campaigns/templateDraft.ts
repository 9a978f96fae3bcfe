/** A template being edited (every part as text) and the API template it stands for. */
import type { Template } from "./types";

export interface TemplateDraft {
  subject: string;
  body_text: string;
  body_html: string;
}

export const EMPTY_TEMPLATE: TemplateDraft = { subject: "", body_text: "", body_html: "" };

/** The draft of a saved template. */
export function templateDraft(template: Template | null | undefined): TemplateDraft {
  return { subject: template?.subject ?? "", body_text: template?.body_text ?? "", body_html: template?.body_html ?? "" };
}

/** The API's template of a draft; null when it has neither subject nor text. */
export function templateBody(draft: TemplateDraft): Template | null {
  if (draft.subject.trim() === "" && draft.body_text.trim() === "") return null;
  return { subject: draft.subject, body_text: draft.body_text, body_html: draft.body_html.trim() === "" ? null : draft.body_html };
}

/** `text` with `insert` put in place of the selection `start`..`end`. */
export function insertAt(text: string, insert: string, start: number, end: number): string {
  return text.slice(0, start) + insert + text.slice(end);
}
