/** Open a case (for a contact when `?contact_id=` is given), then show it. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";

import { newIdempotencyKey } from "../../api/idempotencyKey";
import { useSession } from "../../auth/session";
import { describeError, describeFieldError, fieldErrorsByName } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import { CASE_PRIORITIES, CASE_TYPES, type CaseRecord } from "./types";

export function NewCase() {
  const { t } = useSectionStrings("cases", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const id = useId();
  const [form, setForm] = useState({ subject: "", description: "", type: "question", priority: "medium", contact_id: params.get("contact_id") ?? "" });
  const [idempotencyKey] = useState(newIdempotencyKey);
  const create = useMutation({
    mutationFn: () =>
      client.request<CaseRecord>("/api/v1/cases", {
        method: "POST",
        json: Object.fromEntries(Object.entries(form).filter(([, value]) => value.trim() !== "")),
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    onSuccess: async (record) => {
      queryClient.setQueryData(["cases", "detail", record.id], record);
      await queryClient.invalidateQueries({ queryKey: ["cases", "list"] });
      await queryClient.invalidateQueries({ queryKey: ["customer360"] });
      await navigate(`/cases/${encodeURIComponent(record.id)}`);
    },
  });
  const errors = fieldErrorsByName(create.error);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm((current) => ({ ...current, [name]: event.target.value }));
  const fieldError = (name: string) =>
    errors[name] && (
      <p className="field-error" id={`${id}-${name}-error`}>
        {describeFieldError(errors[name], tShell)}
      </p>
    );
  const invalid = (name: string) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `${id}-${name}-error` } : {});

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section className="page" aria-labelledby="page-title">
      <p>
        <Link to="/cases">← {t("detail.back")}</Link>
      </p>
      <h1 id="page-title">{t("create.title")}</h1>
      <form className="stacked-form" onSubmit={onSubmit}>
        <div className="form-field">
          <label htmlFor={`${id}-subject`}>{t("create.subject")}</label>
          <input id={`${id}-subject`} required maxLength={200} value={form.subject} onChange={set("subject")} {...invalid("subject")} />
          {fieldError("subject")}
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-type`}>{t("create.type")}</label>
          <select id={`${id}-type`} value={form.type} onChange={set("type")}>
            {CASE_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`type.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-priority`}>{t("create.priority")}</label>
          <select id={`${id}-priority`} value={form.priority} onChange={set("priority")}>
            {CASE_PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {t(`priority.${priority}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-contact`}>{t("create.contact")}</label>
          <input id={`${id}-contact`} maxLength={64} value={form.contact_id} onChange={set("contact_id")} {...invalid("contact_id")} />
          {fieldError("contact_id")}
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-description`}>{t("create.description")}</label>
          <textarea id={`${id}-description`} rows={4} maxLength={5000} value={form.description} onChange={set("description")} />
        </div>
        <p>
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("create.saving") : t("create.submit")}
          </button>
        </p>
        {create.isError && (
          <p className="error" role="alert">
            {describeError(create.error, tShell)}
          </p>
        )}
      </form>
    </section>
  );
}
