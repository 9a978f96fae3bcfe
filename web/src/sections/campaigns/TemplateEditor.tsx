/**
 * An e-mail template's subject, text and optional HTML, a token picker that inserts
 * `{{first_name}}` … at the cursor of the field last edited, and a live preview rendered by
 * the server (`POST /campaigns/template-preview`: the same tokens, fallbacks and escaping
 * as the sent e-mail) for a sample contact of the tenant.
 */
import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import { insertAt, templateBody, type TemplateDraft } from "./templateDraft";
import { TEMPLATE_TOKENS, type Template, type TemplatePreview } from "./types";
import { useLivePreview } from "./useLivePreview";

type TemplateField = "subject" | "body_text" | "body_html";

function PreviewPanel({ template }: { template: Template | null }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const titleId = useId();
  const { t: tShell } = useTranslation();
  const ready = template !== null && template.subject.trim() !== "" && template.body_text.trim() !== "";
  const preview = useLivePreview<TemplatePreview>("/api/v1/campaigns/template-preview", ready ? { template } : null);
  const data = preview.data;
  const contact = data?.contact;
  const name = contact ? [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.email || contact.id : null;
  return (
    <section className="template-preview" aria-labelledby={titleId} aria-busy={preview.outdated}>
      <h3 id={titleId}>{t("template.preview")}</h3>
      <div aria-live="polite">
        {!ready && <p>{t("template.previewWaiting")}</p>}
        {ready && preview.error !== null && (
          <p className="error" role="alert">
            {Object.values(fieldErrorsByName(preview.error))
              .map((fieldError) => describeFieldError(fieldError, tShell))
              .join(" ") || describeError(preview.error, tShell)}
          </p>
        )}
        {ready && data && (
          <p className="preview-for">
            {name !== null ? t("template.previewFor", { name }) : t("template.previewPlaceholder")}
            {preview.outdated && <span className="preview-updating"> · {t("template.previewUpdating")}</span>}
          </p>
        )}
      </div>
      {ready && data && (
        <>
          <p className="preview-subject">
            <strong>{t("template.subject")}:</strong> <span data-testid="preview-subject">{data.subject}</span>
          </p>
          <pre className="preview-text" data-testid="preview-text">
            {data.body_text}
          </pre>
          {data.body_html !== null && (
            <details className="preview-html">
              <summary>{t("template.previewHtml")}</summary>
              <iframe title={t("template.previewHtmlTitle")} sandbox="" srcDoc={data.body_html} />
            </details>
          )}
        </>
      )}
    </section>
  );
}

/** `hint`: what the template is for (shown under the title). */
export function TemplateEditor({ draft, onChange, error, hint }: { draft: TemplateDraft; onChange: (draft: TemplateDraft) => void; error?: unknown; hint?: string }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const id = useId();
  const fields = useRef<Partial<Record<TemplateField, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const [lastField, setLastField] = useState<TemplateField>("body_text");
  const errors = fieldErrorsByName(error);

  function set(field: TemplateField, value: string) {
    onChange({ ...draft, [field]: value });
  }

  function insertToken(token: string) {
    const element = fields.current[lastField];
    const text = draft[lastField];
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? start;
    const insert = `{{${token}}}`;
    set(lastField, insertAt(text, insert, start, end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + insert.length, start + insert.length);
    });
  }

  function control(field: TemplateField) {
    const fieldError = errors[field];
    return {
      id: `${id}-${field}`,
      ref: (element: HTMLInputElement | HTMLTextAreaElement | null) => {
        fields.current[field] = element;
      },
      value: draft[field],
      onFocus: () => setLastField(field),
      onChange: (event: { target: { value: string } }) => set(field, event.target.value),
      "aria-invalid": fieldError !== undefined,
      ...(fieldError ? { "aria-describedby": `${id}-${field}-error` } : {}),
      error: fieldError ? (
        <p className="field-error" id={`${id}-${field}-error`}>
          {describeFieldError(fieldError, tShell)}
        </p>
      ) : null,
    };
  }
  const subject = control("subject");
  const text = control("body_text");
  const html = control("body_html");
  const { error: subjectError, ...subjectProps } = subject;
  const { error: textError, ...textProps } = text;
  const { error: htmlError, ...htmlProps } = html;

  return (
    <fieldset className="template-editor">
      <legend>{t("template.title")}</legend>
      {hint !== undefined && <p className="field-hint">{hint}</p>}
      <div className="template-columns">
        <div>
          <div className="form-field">
            <label htmlFor={subjectProps.id}>{t("template.subject")}</label>
            <input maxLength={300} {...subjectProps} />
            {subjectError}
          </div>
          <div className="token-picker" role="group" aria-labelledby={`${id}-tokens`}>
            <p id={`${id}-tokens`}>{t("template.tokens")}</p>
            <p className="field-hint">{t("template.tokensHint")}</p>
            {TEMPLATE_TOKENS.map((token) => (
              <button key={token} type="button" className="button secondary token" onMouseDown={(event) => event.preventDefault()} onClick={() => insertToken(token)}>
                {`{{${token}}}`}
              </button>
            ))}
          </div>
          <div className="form-field">
            <label htmlFor={textProps.id}>{t("template.bodyText")}</label>
            <textarea rows={6} maxLength={100000} {...textProps} />
            {textError}
          </div>
          <div className="form-field">
            <label htmlFor={htmlProps.id}>{t("template.bodyHtml")}</label>
            <textarea rows={4} maxLength={200000} {...htmlProps} />
            {htmlError}
          </div>
        </div>
        <PreviewPanel template={templateBody(draft)} />
      </div>
    </fieldset>
  );
}
