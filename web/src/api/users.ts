/** The tenant's users, as the screens name them: who owns a record, whom to assign it to. */
import { useQuery } from "@tanstack/react-query";

import { hasAnyRole, type Role } from "../auth/claims";
import { useSession } from "../auth/session";
import type { CursorPage } from "./useCursorList";

export interface User {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  active: boolean;
  version: number;
}

/** Roles that may list the tenant's users (the others see owners by id, or as themselves). */
export const USER_READERS: readonly Role[] = ["admin", "sales_manager"];

/** The tenant's users (the first 200), fetched only when `enabled`. */
export function useUsers(enabled: boolean) {
  const { client } = useSession();
  return useQuery({
    queryKey: ["users", "all"],
    enabled,
    staleTime: 60_000,
    queryFn: async ({ signal }) => (await client.request<CursorPage<User>>("/api/v1/users?limit=200", { signal })).items,
  });
}

/** How a user is shown: their name, else their e-mail. */
export function displayName(user: Pick<User, "name" | "email">): string {
  return user.name ?? user.email;
}

/** A function naming a user id: the signed-in user by their name, others by name when the
 * role may list users, else by id. */
export function useUserName(): (userId: string) => string {
  const { user } = useSession();
  const users = useUsers(user !== null && hasAnyRole(user, USER_READERS));
  return (userId) => {
    if (user !== null && userId === user.id) return user.name;
    const found = users.data?.find((item) => item.id === userId);
    return found ? displayName(found) : userId;
  };
}
