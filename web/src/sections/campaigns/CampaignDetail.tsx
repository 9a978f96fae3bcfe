/** One campaign: its facts, segments and template, the actions its status allows, its
 * results and its members. While a launch enrols the audience the campaign is polled, and
 * its results and members are reloaded once that is done. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useRef } from "react";
import { Link, useParams } from "react-router";

import { useUserName } from "../../api/users";
import { useSession } from "../../auth/session";
import { RecordStatus } from "../../components/RecordStatus";
import { formatDate } from "../../format/dates";
import { formatMoney } from "../../format/money";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { CampaignActions } from "./CampaignActions";
import { MemberList } from "./MemberList";
import { MetricsPanel } from "./MetricsPanel";
import { canWriteMarketing } from "./permissions";
import { SectionNav } from "./SectionNav";
import { STRINGS } from "./strings";
import type { Campaign } from "./types";
import { useSegments } from "./useSegments";

/** How often an enrolling campaign is read again. */
const ENROLLING_REFRESH_MS = 1000;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function CampaignDetail() {
  const userName = useUserName();
  const { campaignId = "" } = useParams();
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { client, user } = useSession();
  const locale = useLocale();
  const segments = useSegments();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ["campaigns", "detail", campaignId],
    queryFn: ({ signal }) => client.request<Campaign>(`/api/v1/campaigns/${encodeURIComponent(campaignId)}`, { signal }),
    refetchInterval: (current) => (current.state.data?.enrolling ? ENROLLING_REFRESH_MS : false),
  });
  const campaign = query.data;
  const enrolling = campaign?.enrolling === true;
  const wasEnrolling = useRef(enrolling);
  useEffect(() => {
    if (wasEnrolling.current && !enrolling) {
      for (const queryKey of [["campaigns", "metrics", campaignId], ["campaigns", "members", campaignId], ["campaigns", "list"]]) void queryClient.invalidateQueries({ queryKey });
    }
    wasEnrolling.current = enrolling;
  }, [enrolling, campaignId, queryClient]);
  const segmentName = (segmentId: string) => segments.data?.find((segment) => segment.id === segmentId)?.name ?? segmentId;

  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <SectionNav />
      <p>
        <Link to="/campaigns">← {t("detail.back")}</Link>
      </p>
      <RecordStatus query={query} title={t("list.title")} />
      {campaign && (
        <>
          <div className="page-head">
            <h1 id="page-title">{campaign.name}</h1>
            <span className={`badge campaign-${campaign.status}`}>{t(`status.${campaign.status}`)}</span>
          </div>
          {enrolling && (
            <p className="campaign-enrolling" role="status" data-testid="campaign-enrolling">
              {t("detail.enrolling")}
            </p>
          )}
          {canWriteMarketing(user) && <CampaignActions campaign={campaign} />}
          <dl className="facts">
            <Fact label={t("detail.type")}>{t(`type.${campaign.type}`)}</Fact>
            {campaign.start_date && <Fact label={t("detail.start")}>{formatDate(campaign.start_date, locale)}</Fact>}
            {campaign.end_date && <Fact label={t("detail.end")}>{formatDate(campaign.end_date, locale)}</Fact>}
            <Fact label={t("detail.budget")}>{formatMoney(campaign.budget, locale, campaign.currency)}</Fact>
            {campaign.actual_cost !== null && <Fact label={t("detail.actualCost")}>{formatMoney(campaign.actual_cost, locale, campaign.currency)}</Fact>}
            {campaign.owner_id && <Fact label={t("detail.owner")}>{userName(campaign.owner_id)}</Fact>}
          </dl>
          {campaign.description && (
            <>
              <h2>{t("detail.description")}</h2>
              <p className="campaign-description">{campaign.description}</p>
            </>
          )}
          <h2>{t("detail.segments")}</h2>
          {campaign.segment_ids.length === 0 ? (
            <p>{t("detail.noSegments")}</p>
          ) : (
            <ul>
              {campaign.segment_ids.map((segmentId) => (
                <li key={segmentId}>
                  <Link to={`/campaigns/segments/${encodeURIComponent(segmentId)}`}>{segmentName(segmentId)}</Link>
                </li>
              ))}
            </ul>
          )}
          <h2>{t("detail.template")}</h2>
          {campaign.template ? (
            <div className="template-shown">
              <p>
                <strong>{t("detail.subject")}:</strong> {campaign.template.subject}
              </p>
              <pre className="preview-text">{campaign.template.body_text}</pre>
            </div>
          ) : (
            <p>{t("detail.noTemplate")}</p>
          )}
          <MetricsPanel campaign={campaign} />
          <MemberList campaignId={campaign.id} />
        </>
      )}
    </section>
  );
}
