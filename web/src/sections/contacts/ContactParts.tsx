/** The parts of a contact's 360 view besides the timeline; each shows why it is missing, if it is. */
import { useId } from "react";
import { Link } from "react-router";

import type { ComposedSection } from "../../api/composed";
import { useStageName } from "../../api/pipelines";
import { ComposedPart } from "../../components/ComposedPart";
import { formatDate } from "../../format/dates";
import { DEFAULT_CURRENCY, formatMoney, formatNumber } from "../../format/money";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { PriorityBadge, SlaDue } from "../cases/CaseBadges";
import { STRINGS as CAMPAIGN_STRINGS } from "../campaigns/strings";
import type { CaseRecord } from "../cases/types";
import { RfmBadge } from "./RfmBadge";
import { STRINGS } from "./strings";
import type { Account, Campaign, Contact, Customer360, Deal, Rfm } from "./types";

function useMessages(empty: string) {
  const { t } = useSectionStrings("contacts", STRINGS);
  return { forbidden: t("parts.forbidden"), unavailable: t("parts.unavailable"), empty };
}

/** Purchase count, total and dates from the contact; RFM segment, scores and CLV from the
 * RFM part (a note instead when that part is missing). */
export function PurchasesPart({ contact, rfm }: { contact: Contact; rfm: ComposedSection<Rfm> }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const locale = useLocale();
  const messages = useMessages(t("purchases.noSegment"));
  const scores = rfm.status === "ok" ? rfm.data : null;
  const currency = scores?.currency ?? DEFAULT_CURRENCY;
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId} data-status={rfm.status}>
      <h2 id={headingId}>{t("parts.purchases")}</h2>
      {rfm.status === "ok" ? <RfmBadge segment={scores?.segment ?? contact.rfm_segment} /> : <p className="muted">{messages[rfm.status]}</p>}
      {contact.purchase_count === 0 ? (
        <p className="muted">{t("parts.noPurchases")}</p>
      ) : (
        <dl className="facts">
          <div>
            <dt>{t("purchases.count")}</dt>
            <dd>{formatNumber(contact.purchase_count, locale)}</dd>
          </div>
          <div>
            <dt>{t("purchases.total")}</dt>
            <dd>{formatMoney(contact.purchase_total, locale, currency)}</dd>
          </div>
          {contact.first_purchase_at && (
            <div>
              <dt>{t("purchases.first")}</dt>
              <dd>{formatDate(contact.first_purchase_at, locale)}</dd>
            </div>
          )}
          {contact.last_purchase_at && (
            <div>
              <dt>{t("purchases.last")}</dt>
              <dd>{formatDate(contact.last_purchase_at, locale)}</dd>
            </div>
          )}
          {scores?.clv && (
            <div>
              <dt>{t("purchases.clv")}</dt>
              <dd>{formatMoney(scores.clv, locale, currency)}</dd>
            </div>
          )}
          {scores && scores.r !== null && scores.f !== null && scores.m !== null && (
            <div>
              <dt>{t("purchases.scores")}</dt>
              <dd>{t("purchases.scoresValue", { r: scores.r, f: scores.f, m: scores.m })}</dd>
            </div>
          )}
        </dl>
      )}
    </section>
  );
}

export function AccountPart({ part }: { part: ComposedSection<Account> }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  return (
    <ComposedPart title={t("parts.account")} part={part} messages={useMessages(t("parts.noAccount"))}>
      {(account) => (
        <p>
          <Link to={`/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
          {account.industry && <span className="muted"> · {account.industry}</span>} <span className="badge">{t(`accountType.${account.type}`)}</span>
        </p>
      )}
    </ComposedPart>
  );
}

function DealRows({ deals }: { deals: Deal[] }) {
  const locale = useLocale();
  const stageName = useStageName();
  return (
    <ul className="plain-list">
      {deals.map((deal) => (
        <li key={deal.id}>
          <Link to={`/pipeline/deals/${deal.id}`}>{deal.name}</Link> · {formatMoney(deal.amount, locale, deal.currency)} <span className="badge">{deal.stage ? stageName(deal.stage) : deal.status}</span>
        </li>
      ))}
    </ul>
  );
}

export function DealsPart({ part }: { part: Customer360["deals"] }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  return (
    <ComposedPart title={t("parts.deals")} part={part} messages={useMessages(t("parts.noDeals"))} isEmpty={(d) => d.open.length + d.closed.length === 0}>
      {(deals) => (
        <>
          {deals.open.length > 0 && (
            <>
              <h3>{t("parts.openDeals")}</h3>
              <DealRows deals={deals.open} />
            </>
          )}
          {deals.closed.length > 0 && (
            <>
              <h3>{t("parts.closedDeals")}</h3>
              <DealRows deals={deals.closed} />
            </>
          )}
        </>
      )}
    </ComposedPart>
  );
}

export function CasesPart({ part, contactId, canOpen }: { part: ComposedSection<CaseRecord[]>; contactId: string; canOpen: boolean }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const footer = canOpen && (
    <p>
      <Link to={`/cases/new?contact_id=${encodeURIComponent(contactId)}`}>{t("parts.openCase")}</Link>
    </p>
  );
  return (
    <ComposedPart title={t("parts.cases")} part={part} messages={useMessages(t("parts.noCases"))} isEmpty={(cases) => cases.length === 0} footer={footer}>
      {(cases) => (
        <ul className="plain-list">
          {cases.map((record) => (
            <li key={record.id}>
              <Link to={`/cases/${encodeURIComponent(record.id)}`}>{record.subject}</Link> <PriorityBadge priority={record.priority} /> <SlaDue record={record} />
            </li>
          ))}
        </ul>
      )}
    </ComposedPart>
  );
}

export function CampaignsPart({ part }: { part: ComposedSection<Campaign[]> }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const { t: tCampaigns } = useSectionStrings("campaigns", CAMPAIGN_STRINGS);
  return (
    <ComposedPart title={t("parts.campaigns")} part={part} messages={useMessages(t("parts.noCampaigns"))} isEmpty={(campaigns) => campaigns.length === 0}>
      {(campaigns) => (
        <ul className="plain-list">
          {campaigns.map((campaign) => (
            <li key={campaign.id}>
              <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link> <span className="badge">{tCampaigns(`status.${campaign.status}`, { defaultValue: campaign.status })}</span>
            </li>
          ))}
        </ul>
      )}
    </ComposedPart>
  );
}
