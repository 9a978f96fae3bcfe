/** The customer 360 view of a contact; right after a lead conversion the contact may not
 * exist yet (it is created from the LeadConverted event), so a 404 is retried briefly. */
import { useQuery } from "@tanstack/react-query";

import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import type { Customer360 } from "./types";

/** Router state to navigate with to a contact that a conversion is creating. */
export const JUST_CONVERTED = { justConverted: true } as const;

/** How long a converted contact may take to appear: retries × delay (about 8 s). */
export const CONVERSION_RETRIES = 16;
export const CONVERSION_RETRY_DELAY_MS = 500;

/** Whether router state says the contact comes from a conversion just made. */
export function isJustConverted(state: unknown): boolean {
  return typeof state === "object" && state !== null && (state as Record<string, unknown>)["justConverted"] === true;
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function useCustomer360(contactId: string, justConverted: boolean) {
  const { client } = useSession();
  const query = useQuery({
    queryKey: ["customer360", contactId],
    queryFn: ({ signal }) => client.request<Customer360>(`/api/v1/customers/${encodeURIComponent(contactId)}/360`, { signal }),
    retry: (failures, error) => justConverted && isNotFound(error) && failures < CONVERSION_RETRIES,
    retryDelay: CONVERSION_RETRY_DELAY_MS,
  });
  /** A 404 is being retried: the contact is still being created. */
  const beingCreated = justConverted && query.isPending && isNotFound(query.failureReason);
  return { ...query, beingCreated };
}
