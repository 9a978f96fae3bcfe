/** The activity panel of a contact or an account: the log form (for roles that may log) and the timeline. */
import { useSession } from "../../auth/session";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { ActivityForm, type ActivityLink } from "./ActivityForm";
import { ActivityTimeline } from "./ActivityTimeline";
import { canLogActivities } from "./permissions";
import { STRINGS } from "./strings";

export function Activities({ link }: { link: ActivityLink }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const { user } = useSession();
  return (
    <div className="activities card">
      {user && canLogActivities(user) ? <ActivityForm link={link} /> : <p className="muted">{t("log.readOnly")}</p>}
      <ActivityTimeline link={link} />
    </div>
  );
}
