/** The tenant's users and their roles: admins add users, change roles and (de)activate;
 * sales managers read. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useCursorList } from "../../api/useCursorList";
import type { User } from "../../api/users";
import { useSession } from "../../auth/session";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ListStatus } from "../../components/ListStatus";
import { LoadMoreButton } from "../../components/LoadMoreButton";
import { describeError } from "../../i18n/describeError";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { canWrite } from "./pages";
import { STRINGS } from "./strings";
import { UserDialog } from "./UserDialog";

export function UsersPage() {
  const { t } = useSectionStrings("settings", STRINGS);
  const { t: tShell } = useTranslation();
  const { user: me, client } = useSession();
  const queryClient = useQueryClient();
  const list = useCursorList<User>(["users"], "/api/v1/users", { limit: 100 });
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [switching, setSwitching] = useState<User | null>(null);
  const writable = canWrite(me, "users");
  const setActive = useMutation({
    mutationFn: (target: User) => client.request<User>(`/api/v1/users/${encodeURIComponent(target.id)}`, { method: "PATCH", json: { active: !target.active } }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["users"] });
      setSwitching(null);
    },
  });
  return (
    <section className="page" aria-labelledby="page-title" aria-busy={list.isPending}>
      <div className="page-head">
        <h1 id="page-title">{t("users.title")}</h1>
        {writable && (
          <button type="button" className="button" onClick={() => setEditing("new")}>
            {t("users.add")}
          </button>
        )}
      </div>
      {!writable && <p className="notice">{t("users.readOnly")}</p>}
      <ListStatus list={list} empty={t("users.empty")} />
      {list.items.length > 0 && (
        <table className="data-table">
          <caption>{t("users.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("users.email")}</th>
              <th scope="col">{t("users.name")}</th>
              <th scope="col">{t("users.roles")}</th>
              <th scope="col">{t("users.state")}</th>
              {writable && <th scope="col">{t("common.actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {list.items.map((user) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td>{user.name ?? "—"}</td>
                <td>{user.roles.map((role) => t(`roles.${role}`, { defaultValue: role })).join(", ")}</td>
                <td>{user.active ? t("users.active") : t("users.inactive")}</td>
                {writable && (
                  <td>
                    <div className="button-row">
                      <button type="button" className="button secondary small" onClick={() => setEditing(user)} aria-label={t("users.editLabel", { email: user.email })}>
                        {t("common.edit")}
                      </button>
                      {user.id !== me?.id && (
                        <button type="button" className="button secondary small" onClick={() => setSwitching(user)} aria-label={t(user.active ? "users.deactivateLabel" : "users.reactivateLabel", { email: user.email })}>
                          {user.active ? t("users.deactivate") : t("users.reactivate")}
                        </button>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton hasMore={list.hasMore} loading={list.loadingMore} onLoadMore={list.loadMore} label={t("common.loadMore")} loadingLabel={t("common.loadingMore")} />
      {editing !== null && <UserDialog user={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {switching !== null && (
        <ConfirmDialog
          title={t(switching.active ? "users.deactivateTitle" : "users.reactivateTitle", { email: switching.email })}
          message={switching.active ? t("users.deactivateMessage") : undefined}
          confirmLabel={switching.active ? t("users.deactivate") : t("users.reactivate")}
          cancelLabel={t("common.cancel")}
          closeLabel={t("common.close")}
          danger={switching.active}
          busy={setActive.isPending}
          error={setActive.isError ? describeError(setActive.error, tShell) : null}
          onConfirm={() => setActive.mutate(switching)}
          onCancel={() => {
            setActive.reset();
            setSwitching(null);
          }}
        />
      )}
    </section>
  );
}
