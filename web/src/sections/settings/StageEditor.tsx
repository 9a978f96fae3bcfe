/** Edit a pipeline's stages: name, probability, order (move up/down buttons that keep the
 * keyboard focus on the moved stage), add and remove; saved as the whole ordered list. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { PIPELINES_KEY } from "../../api/pipelines";
import { useSession } from "../../auth/session";
import { LiveRegion } from "../../components/LiveRegion";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { editable, type EditedStage, moveStage } from "./stageList";
import { STRINGS } from "./strings";
import type { Pipeline } from "./types";
import { useFieldErrors } from "./useFieldErrors";

export function StageEditor({ pipeline, onDone }: { pipeline: Pipeline; onDone: () => void }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [stages, setStages] = useState<EditedStage[]>(() => editable(pipeline.stages));
  const [announcement, setAnnouncement] = useState("");
  const focusAfterMove = useRef<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const added = useRef(0);
  useEffect(() => {
    if (focusAfterMove.current === null) return;
    buttons.current.get(focusAfterMove.current)?.focus();
    focusAfterMove.current = null;
  }, [stages]);
  const save = useMutation({
    mutationFn: () =>
      client.request<Pipeline>(`/api/v1/pipelines/${encodeURIComponent(pipeline.id)}`, {
        method: "PATCH",
        json: { stages: stages.map(({ stage }) => stage) },
        headers: { "If-Match": `"${pipeline.version}"` },
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["settings", "pipelines"] });
      await queryClient.invalidateQueries({ queryKey: PIPELINES_KEY });
      onDone();
    },
  });
  const errorAt = useFieldErrors(save.error);

  function move(index: number, delta: -1 | 1) {
    const item = stages[index];
    if (item === undefined) return;
    const moved = moveStage(stages, index, delta);
    const position = moved.indexOf(item);
    // keep the focus on the button pressed, or on the other one at either end
    const edge = (delta === -1 && position === 0) || (delta === 1 && position === moved.length - 1);
    focusAfterMove.current = `${item.key}:${edge ? -delta : delta}`;
    setStages(moved);
    setAnnouncement(t("pipelines.moved", { name: item.stage.name, position: position + 1, total: moved.length }));
  }
  function change(index: number, patch: Partial<EditedStage["stage"]>) {
    setStages(stages.map((item, i) => (i === index ? { ...item, stage: { ...item.stage, ...patch } } : item)));
  }
  function add() {
    added.current += 1;
    const open = stages.findIndex(({ stage }) => stage.kind !== "open");
    const fresh = { key: `new-${added.current}`, stage: { name: "", probability: 50, kind: "open" as const } };
    setStages(open === -1 ? [...stages, fresh] : [...stages.slice(0, open), fresh, ...stages.slice(open)]);
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  const ref = (key: string) => (element: HTMLButtonElement | null) => {
    if (element) buttons.current.set(key, element);
    else buttons.current.delete(key);
  };

  return (
    <form onSubmit={submit} aria-label={t("pipelines.editStagesOf", { name: pipeline.name })}>
      <table className="data-table editor-table">
        <caption>{t("pipelines.stagesCaption", { name: pipeline.name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("pipelines.position")}</th>
            <th scope="col">{t("pipelines.stageName")}</th>
            <th scope="col">{t("pipelines.probability")}</th>
            <th scope="col">{t("pipelines.kind")}</th>
            <th scope="col">{t("pipelines.order")}</th>
          </tr>
        </thead>
        <tbody>
          {stages.map(({ key, stage }, index) => {
            const label = stage.name || t("pipelines.newStage");
            const error = errorAt(`stages.${index}.name`) ?? errorAt(`stages.${index}.probability`);
            return (
              <tr key={key}>
                <td>{index + 1}</td>
                <td>
                  <input aria-label={t("pipelines.stageNameOf", { position: index + 1 })} required maxLength={60} value={stage.name} onChange={(e) => change(index, { name: e.target.value })} aria-invalid={error !== null} />
                  {error && <p className="field-error">{error}</p>}
                </td>
                <td>
                  <input
                    type="number"
                    min={0}
                    max={100}
                    required
                    aria-label={t("pipelines.probabilityOf", { name: label })}
                    value={stage.probability}
                    disabled={stage.kind !== "open"}
                    onChange={(e) => change(index, { probability: Number(e.target.value) })}
                  />
                </td>
                <td>{t(`pipelines.kinds.${stage.kind}`)}</td>
                <td>
                  <div className="button-row">
                    <button type="button" ref={ref(`${key}:-1`)} className="button secondary small" disabled={index === 0} onClick={() => move(index, -1)} aria-label={t("pipelines.moveUp", { name: label })}>
                      ↑
                    </button>
                    <button type="button" ref={ref(`${key}:1`)} className="button secondary small" disabled={index === stages.length - 1} onClick={() => move(index, 1)} aria-label={t("pipelines.moveDown", { name: label })}>
                      ↓
                    </button>
                    {stage.kind === "open" && (
                      <button type="button" className="button secondary small" onClick={() => setStages(stages.filter((_, i) => i !== index))} aria-label={t("pipelines.remove", { name: label })}>
                        {t("pipelines.removeShort")}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <LiveRegion message={announcement} />
      {save.isError && (
        <p className="error" role="alert">
          {describeError(save.error, tShell)} {errorAt("stages") ?? ""}
        </p>
      )}
      <div className="editor-actions">
        <button type="button" className="button secondary" onClick={add}>
          {t("pipelines.addStage")}
        </button>
        <button type="submit" className="button" disabled={save.isPending}>
          {t("pipelines.saveStages")}
        </button>
        <button type="button" className="button secondary" onClick={onDone} disabled={save.isPending}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
