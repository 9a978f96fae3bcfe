/** The tenant's segments, newest first, each opening in the builder. */
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { canWriteMarketing } from "./permissions";
import { SectionNav } from "./SectionNav";
import { STRINGS } from "./strings";
import type { Segment } from "./types";

export function SegmentList() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { user } = useSession();
  const writer = canWriteMarketing(user);
  const list = useCursorList<Segment>(["segments", "list"], "/api/v1/segments", { limit: 50 });
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <SectionNav />
      <div className="page-head">
        <h1 id="page-title">{t("segments.title")}</h1>
        {writer && (
          <Link className="button" to="/campaigns/segments/new">
            {t("segments.new")}
          </Link>
        )}
      </div>
      <ListStatus list={list} empty={writer ? t("segments.empty") : t("segments.emptyReadOnly")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("segments.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("segments.name")}</th>
              <th scope="col">{t("segments.kind")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((segment) => (
              <tr key={segment.id}>
                <td>
                  <Link to={`/campaigns/segments/${encodeURIComponent(segment.id)}`}>{segment.name}</Link>
                </td>
                <td>{t(`segments.${segment.kind}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
