/** A lead's status and rating as small labelled badges. */
import type { LeadStatus, Rating } from "./api";
import { useLeadStrings } from "./strings";

export function StatusBadge({ status }: { status: LeadStatus }) {
  const { t } = useLeadStrings();
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}

export function RatingBadge({ rating }: { rating: Rating }) {
  const { t } = useLeadStrings();
  return <span className={`badge rating-${rating}`}>{t(`rating.${rating}`)}</span>;
}
