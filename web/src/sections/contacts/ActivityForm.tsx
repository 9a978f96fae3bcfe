/** Log a call, e-mail, meeting or note, or create a task, linked to a contact or an account. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { newIdempotencyKey } from "../../api/idempotencyKey";
import { useSession } from "../../auth/session";
import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import { ACTIVITY_KINDS, type Activity, type ActivityKind } from "./types";

/** What an activity is linked to. */
export type ActivityLink = { contact_id: string } | { account_id: string };

/** The optional fields each kind of activity has besides subject and details. */
const FIELDS: Record<ActivityKind, { occurred: boolean; duration: boolean; due: boolean }> = {
  call: { occurred: true, duration: true, due: false },
  email: { occurred: true, duration: false, due: false },
  meeting: { occurred: true, duration: true, due: false },
  note: { occurred: false, duration: false, due: false },
  task: { occurred: false, duration: false, due: true },
};

/** A `datetime-local` value (the user's clock) as an ISO instant; undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The body of `POST /api/v1/activities` for the form's values. */
export function activityBody(kind: ActivityKind, values: Record<string, string>, link: ActivityLink): Record<string, unknown> {
  const fields = FIELDS[kind];
  const body: Record<string, unknown> = { kind, subject: values["subject"]?.trim() ?? "", ...link };
  if (values["description"]?.trim()) body["description"] = values["description"].trim();
  if (fields.occurred) body["occurred_at"] = localInputToIso(values["occurred_at"] ?? "");
  if (fields.duration && values["duration_minutes"]) body["duration_minutes"] = Number(values["duration_minutes"]);
  if (fields.due) body["due_at"] = localInputToIso(values["due_at"] ?? "");
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

export function ActivityForm({ link }: { link: ActivityLink }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const id = useId();
  const [kind, setKind] = useState<ActivityKind>("call");
  const [values, setValues] = useState<Record<string, string>>({});
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const mutation = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      client.request<Activity>("/api/v1/activities", { method: "POST", json: body, headers: { "Idempotency-Key": idempotencyKey } }),
    onSuccess: async () => {
      setValues({});
      setIdempotencyKey(newIdempotencyKey());
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      await queryClient.invalidateQueries({ queryKey: ["customer360"] });
    },
  });
  const fieldErrors = fieldErrorsByName(mutation.error);
  const fields = FIELDS[kind];

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    mutation.mutate(activityBody(kind, values, link));
  }

  function field(name: string, label: string, input: "text" | "textarea" | "datetime-local" | "number", required = false) {
    const error = fieldErrors[name];
    const props = {
      id: `${id}-${name}`,
      name,
      value: values[name] ?? "",
      required,
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${id}-${name}-error` : undefined,
      onChange: (event: { target: { value: string } }) => setValues((current) => ({ ...current, [name]: event.target.value })),
    };
    return (
      <div className="form-field">
        <label htmlFor={props.id}>{label}</label>
        {input === "textarea" ? <textarea rows={3} maxLength={5000} {...props} /> : <input type={input} {...(input === "number" ? { min: 0, max: 1440 } : {})} {...props} />}
        {error && (
          <p className="field-error" id={`${id}-${name}-error`}>
            {describeFieldError(error, tShell)}
          </p>
        )}
      </div>
    );
  }

  return (
    <form className="activity-form" onSubmit={onSubmit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t("log.title")}</h3>
      <div className="form-field">
        <label htmlFor={`${id}-kind`}>{t("log.kind")}</label>
        <select id={`${id}-kind`} value={kind} onChange={(event) => setKind(event.target.value as ActivityKind)}>
          {ACTIVITY_KINDS.map((option) => (
            <option key={option} value={option}>
              {t(`kind.${option}`)}
            </option>
          ))}
        </select>
      </div>
      {field("subject", t("log.subject"), "text", true)}
      {fields.occurred && field("occurred_at", t("log.occurredAt"), "datetime-local")}
      {fields.duration && field("duration_minutes", t("log.duration"), "number")}
      {fields.due && field("due_at", t("log.dueAt"), "datetime-local")}
      {field("description", t("log.description"), "textarea")}
      <p>
        <button type="submit" className="button" disabled={mutation.isPending}>
          {mutation.isPending ? t("log.saving") : t(`log.submit.${kind}`)}
        </button>
      </p>
      <div aria-live="polite">
        {mutation.isSuccess && <p className="notice">{t("log.saved", { subject: mutation.data.subject })}</p>}
        {mutation.isError && (
          <p className="error" role="alert">
            {describeError(mutation.error, tShell)}
          </p>
        )}
      </div>
    </form>
  );
}
