/** Confirm a launch, stating the audience the campaign's segments hold now (their previews). */
import { useQueries } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { SegmentPreview } from "./types";

/** The sizes of `segmentIds` now; null until every preview has answered. */
export function useAudienceSize(segmentIds: readonly string[]): { size: number | null; error: unknown } {
  const { client } = useSession();
  const previews = useQueries({
    queries: segmentIds.map((segmentId) => ({
      queryKey: ["segments", "preview", segmentId],
      queryFn: ({ signal }: { signal: AbortSignal }) => client.request<SegmentPreview>(`/api/v1/segments/${encodeURIComponent(segmentId)}/preview`, { signal }),
      staleTime: 0,
    })),
  });
  const failed = previews.find((preview) => preview.isError);
  if (failed) return { size: null, error: failed.error };
  if (previews.some((preview) => preview.data === undefined)) return { size: null, error: null };
  return { size: previews.reduce((sum, preview) => sum + (preview.data?.count ?? 0), 0), error: null };
}

export interface LaunchDialogProps {
  segmentIds: readonly string[];
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function LaunchDialog({ segmentIds, busy, error, onConfirm, onCancel }: LaunchDialogProps) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const audience = useAudienceSize(segmentIds);
  let message: string;
  if (audience.error) message = describeError(audience.error, tShell);
  else if (audience.size === null) message = t("detail.launchCounting");
  else message = t(segmentIds.length > 1 ? "detail.launchMany" : "detail.launchOne", { count: audience.size });
  return (
    <ConfirmDialog
      title={t("detail.launchTitle")}
      message={
        <>
          <p data-testid="launch-audience">{message}</p>
          <p>{t("detail.launchNote")}</p>
        </>
      }
      confirmLabel={t("detail.launchConfirm")}
      cancelLabel={t("detail.cancel")}
      closeLabel={t("detail.close")}
      busy={busy || (audience.size === null && audience.error === null)}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
