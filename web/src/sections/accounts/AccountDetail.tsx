/** One account: its facts, its contacts (paged) and its activity timeline. */
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link, useParams } from "react-router";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { RecordStatus } from "../../components/RecordStatus";
import { formatMoney, formatNumber } from "../../format/money";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { Activities } from "../contacts/Activities";
import { STRINGS as CONTACT_STRINGS } from "../contacts/strings";
import { type Account, type Contact, contactName } from "../contacts/types";
import { STRINGS } from "./strings";

function AccountContacts({ accountId }: { accountId: string }) {
  const { t } = useSectionStrings("accounts", STRINGS);
  const id = useId();
  const list = useCursorList<Contact>(["contacts", "of-account", accountId], `/api/v1/accounts/${encodeURIComponent(accountId)}/contacts`, { limit: 20 });
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{t("detail.contacts")}</h2>
      <ListStatus list={list} empty={t("detail.noContacts")} emptyClassName="muted" />
      <ul className="plain-list">
        {list.items.map((contact) => (
          <li key={contact.id}>
            <Link to={`/contacts/${encodeURIComponent(contact.id)}`}>{contactName(contact)}</Link>
            {contact.title && <span className="muted"> · {contact.title}</span>}
          </li>
        ))}
      </ul>
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}

function AccountFacts({ account }: { account: Account }) {
  const { t } = useSectionStrings("accounts", STRINGS);
  const locale = useLocale();
  const facts: [string, string | null][] = [
    [t("detail.domain"), account.domain],
    [t("detail.industry"), account.industry],
    [t("detail.employees"), account.employee_count === null ? null : formatNumber(account.employee_count, locale)],
    [t("detail.revenue"), account.annual_revenue === null ? null : formatMoney(account.annual_revenue, locale, account.currency)],
    [t("detail.phone"), account.phone],
  ];
  return (
    <dl className="facts">
      {facts
        .filter((fact): fact is [string, string] => fact[1] !== null)
        .map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      {account.website && (
        <div>
          <dt>{t("detail.website")}</dt>
          <dd>
            <a href={account.website} rel="noopener noreferrer" target="_blank">
              {account.website}
            </a>
          </dd>
        </div>
      )}
    </dl>
  );
}

export function AccountDetail() {
  const { accountId = "" } = useParams();
  const { t } = useSectionStrings("accounts", STRINGS);
  const { t: tContacts } = useSectionStrings("contacts", CONTACT_STRINGS);
  const { client } = useSession();
  const query = useQuery({
    queryKey: ["accounts", "detail", accountId],
    queryFn: ({ signal }) => client.request<Account>(`/api/v1/accounts/${encodeURIComponent(accountId)}`, { signal }),
  });
  const account = query.data;
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={query.isPending}>
      <p>
        <Link to="/accounts">← {t("detail.back")}</Link>
      </p>
      <RecordStatus query={query} title={t("list.title")} />
      {account && (
        <>
          <h1 id="page-title">{account.name}</h1>
          <p className="badges">
            <span className="badge">{tContacts(`accountType.${account.type}`)}</span>
          </p>
          <AccountFacts account={account} />
          <div className="cards">
            <AccountContacts accountId={account.id} />
          </div>
          <Activities link={{ account_id: account.id }} />
        </>
      )}
    </section>
  );
}
