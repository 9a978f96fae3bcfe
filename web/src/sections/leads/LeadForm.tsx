/** The fields of a lead, for creating one or editing it; field errors from the API shown at
 * their fields. Only the changed fields are sent when editing. */
import { type FormEvent, useState } from "react";

import { FormField } from "../../components/FormField";
import { fieldErrorsByName } from "../../i18n/describeError";
import { type LeadFields, SOURCES } from "./api";
import { useLeadStrings } from "./strings";

const TEXT_FIELDS = ["first_name", "last_name", "email", "phone", "company", "title", "website"] as const;
type TextField = (typeof TEXT_FIELDS)[number];
const INPUT_TYPES: Partial<Record<TextField, string>> = { email: "email", phone: "tel", website: "url" };

interface Draft {
  text: Record<TextField, string>;
  source: string;
  tags: string;
  notes: string;
}

function draftOf(lead: LeadFields | null): Draft {
  const text = Object.fromEntries(TEXT_FIELDS.map((name) => [name, lead?.[name] ?? ""])) as Record<TextField, string>;
  return { text, source: lead?.source ?? "other", tags: (lead?.tags ?? []).join(", "), notes: lead?.notes ?? "" };
}

/** The draft as API fields (blank optional fields are null). */
function fieldsOf(draft: Draft): LeadFields {
  const blank = (value: string) => value.trim() || null;
  return {
    first_name: blank(draft.text.first_name),
    last_name: draft.text.last_name.trim(),
    email: blank(draft.text.email),
    phone: blank(draft.text.phone),
    company: blank(draft.text.company),
    title: blank(draft.text.title),
    website: blank(draft.text.website),
    source: draft.source as LeadFields["source"],
    tags: draft.tags
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean),
    notes: blank(draft.notes),
  };
}

/** The fields of `next` that differ from `before`. */
export function changedFields(before: LeadFields, next: LeadFields): Partial<LeadFields> {
  const changes: Partial<LeadFields> = {};
  for (const name of Object.keys(next) as (keyof LeadFields)[]) {
    if (JSON.stringify(before[name] ?? null) !== JSON.stringify(next[name] ?? null)) Object.assign(changes, { [name]: next[name] });
  }
  return changes;
}

interface Props {
  /** The lead being edited; null to create one. */
  lead: LeadFields | null;
  submitLabel: string;
  onSubmit: (fields: Partial<LeadFields>) => Promise<void>;
  onCancel: () => void;
}

export function LeadForm({ lead, submitLabel, onSubmit, onCancel }: Props) {
  const { t, describe, describeField } = useLeadStrings();
  const [draft, setDraft] = useState(() => draftOf(lead));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldErrors = fieldErrorsByName(error);
  const errorAt = (name: string) => {
    const found = fieldErrors[name];
    return found ? describeField(found) : null;
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fields = fieldsOf(draft);
    setBusy(true);
    setError(null);
    try {
      await onSubmit(lead === null ? fields : changedFields(lead, fields));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <form className="lead-form" onSubmit={submit} noValidate>
      <div className="form-grid">
        {TEXT_FIELDS.map((name) => (
          <FormField key={name} label={t(`fields.${name}`)} error={errorAt(name)} required={name === "last_name"}>
            {(control) => (
              <input
                {...control}
                type={INPUT_TYPES[name] ?? "text"}
                value={draft.text[name]}
                required={name === "last_name"}
                onChange={(event) => setDraft({ ...draft, text: { ...draft.text, [name]: event.target.value } })}
              />
            )}
          </FormField>
        ))}
        <FormField label={t("fields.source")} error={errorAt("source")}>
          {(control) => (
            <select {...control} value={draft.source} onChange={(event) => setDraft({ ...draft, source: event.target.value })}>
              {SOURCES.map((source) => (
                <option key={source} value={source}>
                  {t(`source.${source}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField label={t("fields.tags")} hint={t("form.tagsHint")} error={errorAt("tags")}>
          {(control) => <input {...control} value={draft.tags} onChange={(event) => setDraft({ ...draft, tags: event.target.value })} />}
        </FormField>
      </div>
      <FormField label={t("fields.notes")} error={errorAt("notes")}>
        {(control) => <textarea {...control} rows={3} value={draft.notes} onChange={(event) => setDraft({ ...draft, notes: event.target.value })} />}
      </FormField>
      {error !== null && (
        <p className="error" role="alert">
          {describe(error)}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy} aria-busy={busy}>
          {submitLabel}
        </button>
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          {t("actions.cancel")}
        </button>
      </div>
    </form>
  );
}
