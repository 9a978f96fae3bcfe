/** Lead scoring: the rules (field, operator, value, points) and the rating thresholds, with
 * the API's validation errors at their fields; and round-robin assignment. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { FormField } from "../../components/FormField";
import { RecordStatus } from "../../components/RecordStatus";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { AssignmentForm } from "./AssignmentForm";
import { draftOf, type RuleDraft, scoringBody, takesNoValue } from "./scoringForm";
import { STRINGS } from "./strings";
import { SCORABLE_FIELDS, SCORING_OPS, type ScoringConfig, type ScoringOp } from "./types";
import { useFieldErrors } from "./useFieldErrors";

const KEY = ["settings", "scoring"];

function ScoringForm({ config }: { config: ScoringConfig }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const added = useRef(0);
  const [rules, setRules] = useState<RuleDraft[]>(() => config.rules.map((rule, index) => draftOf(rule, `rule-${index}`)));
  const [thresholds, setThresholds] = useState({ hot: String(config.hot_threshold), warm: String(config.warm_threshold), junk: config.junk_below === null ? "" : String(config.junk_below) });
  const save = useMutation({
    mutationFn: () => client.request<ScoringConfig>("/api/v1/leads/config/scoring", { method: "PUT", json: scoringBody(rules, thresholds) }),
    onSuccess: (saved) => queryClient.setQueryData(KEY, saved),
  });
  const errorAt = useFieldErrors(save.error);
  const change = (index: number, patch: Partial<RuleDraft>) => setRules(rules.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)));
  function add() {
    added.current += 1;
    setRules([...rules, { key: `added-${added.current}`, id: null, name: "", field: "source", op: "eq", value: "", points: "10" }]);
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  const whole = errorAt("");
  return (
    <form onSubmit={submit} aria-labelledby="scoring-rules">
      <h2 id="scoring-rules" className="settings-section">
        {t("scoring.rules")}
      </h2>
      <datalist id="scorable-fields">
        {SCORABLE_FIELDS.map((field) => (
          <option key={field} value={field} />
        ))}
      </datalist>
      {rules.length === 0 ? (
        <p className="empty-state">{t("scoring.empty")}</p>
      ) : (
        <table className="data-table editor-table">
          <caption>{t("scoring.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("scoring.name")}</th>
              <th scope="col">{t("scoring.field")}</th>
              <th scope="col">{t("scoring.op")}</th>
              <th scope="col">{t("scoring.value")}</th>
              <th scope="col">{t("scoring.points")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule, index) => {
              const at = (name: string) => errorAt(`rules.${index}.${name}`);
              const label = rule.name || t("scoring.ruleNumber", { number: index + 1 });
              const cell = (name: string, control: (invalid: { "aria-invalid": boolean }) => ReactNode) => (
                <td>
                  {control({ "aria-invalid": at(name) !== null })}
                  {at(name) && <p className="field-error">{at(name)}</p>}
                </td>
              );
              return (
                <tr key={rule.key}>
                  {cell("name", (invalid) => <input {...invalid} aria-label={t("scoring.nameOf", { number: index + 1 })} required maxLength={100} value={rule.name} onChange={(e) => change(index, { name: e.target.value })} />)}
                  {cell("field", (invalid) => <input {...invalid} aria-label={t("scoring.fieldOf", { name: label })} list="scorable-fields" required value={rule.field} onChange={(e) => change(index, { field: e.target.value })} />)}
                  {cell("op", (invalid) => (
                    <select {...invalid} aria-label={t("scoring.opOf", { name: label })} value={rule.op} onChange={(e) => change(index, { op: e.target.value as ScoringOp })}>
                      {SCORING_OPS.map((op) => (
                        <option key={op} value={op}>
                          {t(`scoring.ops.${op}`)}
                        </option>
                      ))}
                    </select>
                  ))}
                  <td>
                    <input
                      aria-label={t("scoring.valueOf", { name: label })}
                      aria-invalid={(errorAt(`rules.${index}.value`) ?? errorAt(`rules.${index}`)) !== null}
                      disabled={takesNoValue(rule.op)}
                      value={takesNoValue(rule.op) ? "" : rule.value}
                      onChange={(e) => change(index, { value: e.target.value })}
                    />
                    {(errorAt(`rules.${index}.value`) ?? errorAt(`rules.${index}`)) && <p className="field-error">{errorAt(`rules.${index}.value`) ?? errorAt(`rules.${index}`)}</p>}
                  </td>
                  {cell("points", (invalid) => <input {...invalid} aria-label={t("scoring.pointsOf", { name: label })} type="number" required value={rule.points} onChange={(e) => change(index, { points: e.target.value })} />)}
                  <td>
                    <button type="button" className="button secondary small" onClick={() => setRules(rules.filter((_, i) => i !== index))} aria-label={t("scoring.removeOf", { name: label })}>
                      {t("scoring.remove")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" className="button secondary" onClick={add}>
          {t("scoring.add")}
        </button>
      </p>
      <h2 className="settings-section">{t("scoring.thresholds")}</h2>
      <div className="thresholds">
        <FormField label={t("scoring.hot")} required error={errorAt("hot_threshold")}>
          {(control) => <input {...control} type="number" min={0} max={100} required value={thresholds.hot} onChange={(e) => setThresholds({ ...thresholds, hot: e.target.value })} />}
        </FormField>
        <FormField label={t("scoring.warm")} required error={errorAt("warm_threshold")}>
          {(control) => <input {...control} type="number" min={0} max={100} required value={thresholds.warm} onChange={(e) => setThresholds({ ...thresholds, warm: e.target.value })} />}
        </FormField>
        <FormField label={t("scoring.junk")} hint={t("scoring.junkHint")} error={errorAt("junk_below")}>
          {(control) => <input {...control} type="number" min={0} max={100} value={thresholds.junk} onChange={(e) => setThresholds({ ...thresholds, junk: e.target.value })} />}
        </FormField>
      </div>
      {save.isError && (
        <p className="error" role="alert">
          {describeError(save.error, tShell)}
          {whole !== null ? ` ${whole}` : save.error instanceof ApiError && save.error.fieldErrors.length === 0 && save.error.detail ? ` ${save.error.detail}` : ""}
        </p>
      )}
      {save.isSuccess && (
        <p className="notice" role="status">
          {t("scoring.saved")}
        </p>
      )}
      <p>
        <button type="submit" className="button" disabled={save.isPending}>
          {t("scoring.save")}
        </button>
      </p>
    </form>
  );
}

export function ScoringPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { client } = useSession();
  const query = useQuery({ queryKey: KEY, queryFn: ({ signal }) => client.request<ScoringConfig>("/api/v1/leads/config/scoring", { signal }) });
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <RecordStatus query={query} title={t("scoring.title")} />
      {query.data && (
        <>
          <h1 id="page-title">{t("scoring.title")}</h1>
          <p className="muted">{t("scoring.intro")}</p>
          <ScoringForm config={query.data} />
          <AssignmentForm />
        </>
      )}
    </section>
  );
}
