/** A contact's 360° view: who they are, purchases and RFM segment, account, deals, open
 * cases, campaigns and the activity timeline. A part whose service is down or outside the
 * user's role says so; the rest of the page still shows. */
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router";

import { useSession } from "../../auth/session";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { canWriteCases } from "../cases/permissions";
import { Activities } from "./Activities";
import { AccountPart, CampaignsPart, CasesPart, DealsPart, PurchasesPart } from "./ContactParts";
import { STRINGS } from "./strings";
import { type Contact, contactName } from "./types";
import { isJustConverted, useCustomer360 } from "./useCustomer360";

function ContactHeader({ contact }: { contact: Contact }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  return (
    <>
      <h1 id="page-title">{contactName(contact)}</h1>
      <p className="badges">
        <span className="badge">{t(`stage.${contact.lifecycle_stage}`)}</span>
        {contact.do_not_contact && <strong className="badge">⛔ {t("detail.doNotContact")}</strong>}
      </p>
      <dl className="facts">
        {contact.title && (
          <div>
            <dt>{t("detail.title")}</dt>
            <dd>{contact.title}</dd>
          </div>
        )}
        {contact.email && (
          <div>
            <dt>{t("list.email")}</dt>
            <dd>
              <a href={`mailto:${contact.email}`}>{contact.email}</a>
            </dd>
          </div>
        )}
        {contact.phones.length > 0 && (
          <div>
            <dt>{t("detail.phones")}</dt>
            <dd>{contact.phones.join(", ")}</dd>
          </div>
        )}
        {contact.tags.length > 0 && (
          <div>
            <dt>{t("detail.tags")}</dt>
            <dd>{contact.tags.join(", ")}</dd>
          </div>
        )}
      </dl>
    </>
  );
}

export function ContactDetail() {
  const { contactId = "" } = useParams();
  const location = useLocation();
  const { t } = useSectionStrings("contacts", STRINGS);
  const { t: tShell } = useTranslation();
  const { user } = useSession();
  const query = useCustomer360(contactId, isJustConverted(location.state));
  const view = query.data;
  const contact = view?.contact.status === "ok" ? view.contact.data : null;

  return (
    <section className="page contact-360" aria-labelledby="page-title" aria-busy={query.isPending}>
      <p>
        <Link to="/contacts">← {t("detail.back")}</Link>
      </p>
      {query.beingCreated && <p role="status">{t("detail.beingCreated")}</p>}
      {query.isPending && !query.beingCreated && <p role="status">{tShell("app.loading")}</p>}
      {query.isError && (
        <>
          <h1 id="page-title">{t("list.title")}</h1>
          <p className="error" role="alert">
            {describeError(query.error, tShell)}
          </p>
        </>
      )}
      {view && contact === null && (
        <>
          <h1 id="page-title">{t("list.title")}</h1>
          <p className="error" role="alert">
            {view.contact.status === "forbidden" ? t("parts.forbidden") : t("parts.unavailable")}
          </p>
        </>
      )}
      {view && contact && (
        <>
          <ContactHeader contact={contact} />
          <div className="cards">
            <PurchasesPart contact={contact} rfm={view.purchases_and_rfm} />
            <AccountPart part={view.account} />
            <DealsPart part={view.deals} />
            <CasesPart part={view.open_cases} contactId={contact.id} canOpen={user !== null && canWriteCases(user)} />
            <CampaignsPart part={view.campaigns} />
          </div>
          <Activities link={{ contact_id: contact.id }} />
        </>
      )}
    </section>
  );
}
