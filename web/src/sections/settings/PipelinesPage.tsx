/** Pipelines and their stages: add a pipeline, edit a pipeline's stages. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { newIdempotencyKey } from "../../api/idempotencyKey";
import { PIPELINES_KEY } from "../../api/pipelines";
import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { FormField } from "../../components/FormField";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { formatPercent } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { canWrite } from "./pages";
import { StageEditor } from "./StageEditor";
import { STRINGS } from "./strings";
import type { Pipeline } from "./types";
import { useFieldErrors } from "./useFieldErrors";

function NewPipelineDialog({ onClose }: { onClose: () => void }) {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [idempotencyKey] = useState(newIdempotencyKey);
  const create = useMutation({
    mutationFn: () => client.request<Pipeline>("/api/v1/pipelines", { method: "POST", json: { name }, headers: { "Idempotency-Key": idempotencyKey } }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["settings", "pipelines"] });
      await queryClient.invalidateQueries({ queryKey: PIPELINES_KEY });
      onClose();
    },
  });
  const errorAt = useFieldErrors(create.error);
  return (
    <ConfirmDialog
      title={t("pipelines.createTitle")}
      onCancel={onClose}
      closeLabel={t("common.close")}
      cancelLabel={t("common.cancel")}
      confirmLabel={t("pipelines.create")}
      onConfirm={() => create.mutate()}
      busy={create.isPending}
      error={create.isError ? describeError(create.error, tShell) : null}
    >
      <FormField label={t("pipelines.name")} hint={t("pipelines.nameHint")} required error={errorAt("name")}>
        {(control) => <input {...control} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
    </ConfirmDialog>
  );
}

export function PipelinesPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { user } = useSession();
  const locale = useLocale();
  const list = useCursorList<Pipeline>(["settings", "pipelines"], "/api/v1/pipelines", { limit: 50 });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const writable = canWrite(user, "pipelines");
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("pipelines.title")}</h1>
        {writable && (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            {t("pipelines.create")}
          </button>
        )}
      </div>
      <ListStatus list={list} empty={t("pipelines.empty")} />
      {list.items.map((pipeline) => (
        <section key={pipeline.id} className="settings-section" aria-labelledby={`pipeline-${pipeline.id}`}>
          <div className="page-head">
            <h2 id={`pipeline-${pipeline.id}`}>
              {pipeline.name} {pipeline.is_default && <span className="badge">{t("pipelines.default")}</span>}
            </h2>
            {writable && editing !== pipeline.id && (
              <button type="button" className="button secondary" onClick={() => setEditing(pipeline.id)} aria-label={t("pipelines.editStagesOf", { name: pipeline.name })}>
                {t("pipelines.editStages")}
              </button>
            )}
          </div>
          {editing === pipeline.id ? (
            <StageEditor pipeline={pipeline} onDone={() => setEditing(null)} />
          ) : (
            <table className="data-table">
              <caption>{t("pipelines.stagesCaption", { name: pipeline.name })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("pipelines.position")}</th>
                  <th scope="col">{t("pipelines.stageName")}</th>
                  <th scope="col">{t("pipelines.probability")}</th>
                  <th scope="col">{t("pipelines.kind")}</th>
                </tr>
              </thead>
              <tbody>
                {pipeline.stages.map((stage, index) => (
                  <tr key={stage.id ?? index}>
                    <td>{index + 1}</td>
                    <td>{stage.name}</td>
                    <td>{formatPercent(stage.probability / 100, locale)}</td>
                    <td>{t(`pipelines.kinds.${stage.kind}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("common.loadMore")} loadingLabel={t("common.loadingMore")} />
      {creating && <NewPipelineDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
