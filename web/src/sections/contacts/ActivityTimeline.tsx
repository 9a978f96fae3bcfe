/** The activities of a contact or an account, newest first, with open tasks completable. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";

import { useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { formatDateTime } from "../../format/dates";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { useLocale } from "../../shell/useLocale";
import type { ActivityLink } from "./ActivityForm";
import { canCompleteTask } from "./permissions";
import { STRINGS } from "./strings";
import type { Activity } from "./types";

const PAGE_SIZE = 20;

function TaskState({ task }: { task: Activity }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const { client, user } = useSession();
  const locale = useLocale();
  const { t: tShell } = useTranslation();
  const queryClient = useQueryClient();
  const complete = useMutation({
    mutationFn: () => client.request<Activity>(`/api/v1/activities/${encodeURIComponent(task.id)}/complete`, { method: "POST" }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["activities"] }),
  });
  if (task.done) return <p className="task-state done">✓ {t("timeline.done", { time: formatDateTime(task.completed_at ?? "", locale) })}</p>;
  const overdue = task.due_at !== null && new Date(task.due_at).getTime() < Date.now();
  return (
    <div className="task-state">
      <p>
        <span className="badge">{t("timeline.open")}</span>
        {task.due_at && <span> {t("timeline.due", { time: formatDateTime(task.due_at, locale) })}</span>}
        {overdue && <strong className="overdue"> ⚠ {t("timeline.overdue")}</strong>}
      </p>
      {user && canCompleteTask(user, task) && (
        <button
          type="button"
          className="button secondary"
          disabled={complete.isPending}
          aria-label={t("timeline.completeLabel", { subject: task.subject })}
          onClick={() => complete.mutate()}
        >
          {t("timeline.complete")}
        </button>
      )}
      {complete.isError && (
        <p className="error" role="alert">
          {describeError(complete.error, tShell)}
        </p>
      )}
    </div>
  );
}

function TimelineItem({ activity }: { activity: Activity }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const locale = useLocale();
  return (
    <li className={`timeline-item kind-${activity.kind}`}>
      <p className="muted">
        {t("timeline.when", { kind: t(`kind.${activity.kind}`), time: formatDateTime(activity.occurred_at, locale) })}
        {activity.duration_minutes !== null && <> · {t("timeline.duration", { count: activity.duration_minutes })}</>}
      </p>
      <p className="timeline-subject">{activity.subject}</p>
      {activity.description && <p className="timeline-description">{activity.description}</p>}
      {activity.kind === "task" && <TaskState task={activity} />}
    </li>
  );
}

export function ActivityTimeline({ link }: { link: ActivityLink }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const id = useId();
  const [openTasks, setOpenTasks] = useState(false);
  const list = useCursorList<Activity>(["activities"], "/api/v1/activities", { ...link, open_tasks: openTasks || undefined, limit: PAGE_SIZE });
  return (
    <section className="timeline" aria-labelledby={`${id}-title`} aria-busy={list.isPending}>
      <div className="timeline-head">
        <h2 id={`${id}-title`}>{t("timeline.title")}</h2>
        <label className="checkbox">
          <input type="checkbox" checked={openTasks} onChange={(event) => setOpenTasks(event.target.checked)} /> {t("timeline.openTasksOnly")}
        </label>
      </div>
      <ListStatus list={list} empty={openTasks ? t("timeline.noOpenTasks") : t("timeline.empty")} emptyClassName="muted" />
      {list.items.length > 0 && (
        <ol className="timeline-list">
          {list.items.map((activity) => (
            <TimelineItem key={activity.id} activity={activity} />
          ))}
        </ol>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("more.load")} loadingLabel={t("more.loading")} />
    </section>
  );
}
