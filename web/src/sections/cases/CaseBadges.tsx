/** A case's priority, status and SLA standing, in words (not by colour alone). */
import { formatDateTime } from "../../format/dates";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import { STRINGS } from "./strings";
import { type CaseRecord, isOpenCase, isOverdue } from "./types";

export function PriorityBadge({ priority }: { priority: string }) {
  const { t } = useSectionStrings("cases", STRINGS);
  return <span className={`badge priority-${priority}`}>{t(`priority.${priority}`)}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useSectionStrings("cases", STRINGS);
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}

/** The SLA due time, marked "Overdue" with an icon when an open case is past it. */
export function SlaDue({ record, now = new Date() }: { record: Pick<CaseRecord, "status" | "sla_due_at" | "sla_breached">; now?: Date }) {
  const { t } = useSectionStrings("cases", STRINGS);
  const locale = useLocale();
  const due = formatDateTime(record.sla_due_at, locale);
  if (!isOpenCase(record) && record.sla_breached !== null) {
    return <span className="sla">{record.sla_breached ? t("sla.resolvedLate") : t("sla.resolvedInTime")}</span>;
  }
  if (isOverdue(record, now)) {
    return (
      <span className="sla overdue">
        <strong>⚠ {t("sla.overdue")}</strong> · <time dateTime={record.sla_due_at}>{due}</time>
      </span>
    );
  }
  return (
    <span className="sla">
      <time dateTime={record.sla_due_at}>{t("sla.dueAt", { time: due })}</time>
    </span>
  );
}
