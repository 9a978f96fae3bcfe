/** A launched campaign's members by status (the status filter lives in the URL). */
import { useId } from "react";

import { useCursorList } from "../../api/useCursorList";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { SelectFilter } from "../../components/SelectFilter";
import { type FilterSpec, useUrlFilters } from "../../components/useUrlFilters";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { ContactLink } from "../contacts/ContactLink";
import { STRINGS } from "./strings";

const MEMBER_STATUSES = ["targeted", "sent", "opened", "clicked", "responded", "converted", "opted_out", "bounced", "failed"] as const;
const FILTERS: FilterSpec<"member_status"> = { member_status: null };

interface Member {
  id: string;
  status: (typeof MEMBER_STATUSES)[number];
}

export function MemberList({ campaignId }: { campaignId: string }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const id = useId();
  const [filters, setFilter] = useUrlFilters(FILTERS);
  const list = useCursorList<Member>(["campaigns", "members", campaignId], `/api/v1/campaigns/${encodeURIComponent(campaignId)}/members`, { status: filters.member_status, limit: 50 });
  return (
    <section id="members" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("members.title")}</h2>
      <div className="filters">
        <SelectFilter id={`${id}-status`} label={t("members.status")} value={filters.member_status ?? ""} anyLabel={t("members.anyStatus")}
          options={MEMBER_STATUSES.map((status) => ({ value: status, label: t(`members.statusName.${status}`) }))} onChange={(value) => setFilter({ member_status: value })} />
      </div>
      <ListStatus list={list} empty={t("members.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("members.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("members.contact")}</th>
              <th scope="col">{t("members.status")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((member) => (
              <tr key={member.id}>
                <td>
                  <ContactLink contactId={member.id} />
                </td>
                <td>{t(`members.statusName.${member.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
