/** Confirm a launch, stating the audience launch would freeze now (the campaign's segments
 * and the members added by id, each contact once) and how many of them get no e-mail. */
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import type { CampaignAudience } from "./types";

export interface LaunchDialogProps {
  campaignId: string;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function LaunchDialog({ campaignId, busy, error, onConfirm, onCancel }: LaunchDialogProps) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { client } = useSession();
  const audience = useQuery({
    queryKey: ["campaigns", "audience", campaignId],
    queryFn: ({ signal }) => client.request<CampaignAudience>(`/api/v1/campaigns/${encodeURIComponent(campaignId)}/audience`, { signal }),
    staleTime: 0,
  });
  let message: string;
  if (audience.isError) message = describeError(audience.error, tShell);
  else if (audience.data === undefined) message = t("detail.launchCounting");
  else message = t("detail.launchAudience", { count: audience.data.audience, suppressed: t("detail.launchSuppressed", { count: audience.data.suppressed }) });
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
      busy={busy || audience.isPending}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
