/** The 422 field errors of a failed request, as props for `FormField` by field path. */
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/problem";
import { describeFieldError } from "../../i18n/describeError";

/** `errorAt("rules.0.points")`: the message for that field (its full path), or null. */
export function useFieldErrors(error: unknown): (field: string) => string | null {
  const { t } = useTranslation();
  const found = new Map<string, string>();
  if (error instanceof ApiError && error.status === 422) {
    for (const item of error.fieldErrors) if (!found.has(item.field)) found.set(item.field, describeFieldError(item, t));
  }
  return (field) => found.get(field) ?? null;
}
