/** The tenant's automations: what triggers each, whether it is on (a switch for writers),
 * and how often it fired. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { formatNumber } from "../../format/money";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { canWriteMarketing } from "./permissions";
import { SectionNav } from "./SectionNav";
import { STRINGS } from "./strings";
import type { Automation } from "./types";

/** Turn a rule on or off (`If-Match`: the version shown). */
export function useToggleAutomation() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (automation: Automation) =>
      client.request<Automation>(`/api/v1/automations/${encodeURIComponent(automation.id)}`, {
        method: "PATCH",
        json: { active: !automation.active },
        headers: { "If-Match": `"${automation.version}"` },
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["automations"] }),
  });
}

export function AutomationList() {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tShell } = useTranslation();
  const { user } = useSession();
  const locale = useLocale();
  const writer = canWriteMarketing(user);
  const list = useCursorList<Automation>(["automations", "list"], "/api/v1/automations", { limit: 50 });
  const toggle = useToggleAutomation();
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <SectionNav />
      <div className="page-head">
        <h1 id="page-title">{t("automations.title")}</h1>
        {writer && (
          <Link className="button" to="/campaigns/automations/new">
            {t("automations.new")}
          </Link>
        )}
      </div>
      <div aria-live="polite">
        {toggle.isError && (
          <p className="error" role="alert">
            {describeError(toggle.error, tShell)}
          </p>
        )}
      </div>
      <ListStatus list={list} empty={writer ? t("automations.empty") : t("automations.emptyReadOnly")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("automations.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("automations.name")}</th>
              <th scope="col">{t("automations.trigger")}</th>
              <th scope="col">{t("automations.active")}</th>
              <th scope="col">{t("automations.fired")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((automation) => (
              <tr key={automation.id}>
                <td>
                  <Link to={`/campaigns/automations/${encodeURIComponent(automation.id)}`}>{automation.name}</Link>
                </td>
                <td>{automation.trigger.event_type}</td>
                <td>
                  {writer ? (
                    <span className="check-field">
                      <input type="checkbox" id={`active-${automation.id}`} checked={automation.active} disabled={toggle.isPending} onChange={() => toggle.mutate(automation)} />
                      <label htmlFor={`active-${automation.id}`}>
                        <span className="visually-hidden">{automation.name}: </span>
                        {automation.active ? t("automations.on") : t("automations.off")}
                      </label>
                    </span>
                  ) : automation.active ? (
                    t("automations.on")
                  ) : (
                    t("automations.off")
                  )}
                </td>
                <td>{formatNumber(automation.fired, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
