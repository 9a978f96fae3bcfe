/** The status moves a campaign's status allows (launch after a confirmation that states
 * the audience, pause, resume, complete), sent with `If-Match`; and edit while planned. A
 * launch is answered 202 (its audience is enrolled in the background) and shown at once. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { LaunchDialog } from "./LaunchDialog";
import { STRINGS } from "./strings";
import type { Campaign } from "./types";

type Move = "launch" | "pause" | "resume" | "complete";

/** The moves each status allows. */
export const MOVES: Record<Campaign["status"], readonly Move[]> = {
  planned: ["launch"],
  active: ["pause", "complete"],
  paused: ["resume", "complete"],
  completed: [],
};

/** The moves a campaign allows now: one still enrolling its audience cannot pause yet. */
export function movesOf(campaign: Campaign): readonly Move[] {
  return campaign.enrolling ? MOVES[campaign.status].filter((move) => move !== "pause") : MOVES[campaign.status];
}

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 412 || (error.status === 409 && error.slug === "version-conflict"));
}

export function CampaignActions({ campaign }: { campaign: Campaign }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<"launch" | "complete" | null>(null);
  const key = ["campaigns", "detail", campaign.id];
  const move = useMutation({
    mutationFn: (action: Move) =>
      client.request<Campaign>(`/api/v1/campaigns/${encodeURIComponent(campaign.id)}/${action}`, { method: "POST", headers: { "If-Match": `"${campaign.version}"` } }),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      setAsking(null);
    },
    onError: (error) => {
      if (isConflict(error)) void queryClient.invalidateQueries({ queryKey: key });
    },
    onSettled: () =>
      Promise.all(
        [["campaigns", "list"], ["campaigns", "metrics", campaign.id], ["campaigns", "members", campaign.id]].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      ),
  });
  const problem = move.isError ? (isConflict(move.error) ? t("detail.changed") : describeError(move.error, tShell)) : null;

  function start(action: Move) {
    move.reset();
    if (action === "launch" || action === "complete") setAsking(action);
    else move.mutate(action);
  }

  return (
    <div className="campaign-actions">
      <p className="button-row">
        {campaign.status === "planned" && (
          <Link className="button secondary" to={`/campaigns/${encodeURIComponent(campaign.id)}/edit`}>
            {t("detail.edit")}
          </Link>
        )}
        {movesOf(campaign).map((action) => (
          <button key={action} type="button" className={action === "launch" ? "button" : "button secondary"} disabled={move.isPending} onClick={() => start(action)}>
            {t(`detail.${action}`)}
          </button>
        ))}
      </p>
      <div aria-live="polite">
        {problem !== null && asking === null && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
      </div>
      {asking === "launch" && (
        <LaunchDialog campaignId={campaign.id} busy={move.isPending} error={problem} onConfirm={() => move.mutate("launch")} onCancel={() => setAsking(null)} />
      )}
      {asking === "complete" && (
        <ConfirmDialog
          title={t("detail.completeTitle")}
          message={t("detail.completeMessage")}
          confirmLabel={t("detail.complete")}
          cancelLabel={t("detail.cancel")}
          closeLabel={t("detail.close")}
          busy={move.isPending}
          error={problem}
          danger
          onConfirm={() => move.mutate("complete")}
          onCancel={() => setAsking(null)}
        />
      )}
    </div>
  );
}
