/** Errors of API calls in words a user understands, in their language. */
import type { TFunction } from "i18next";

import { ApiError, type FieldError, NetworkError } from "../api/problem";

const BY_SLUG: Record<string, string> = {
  "version-conflict": "errors.versionConflict",
  "payload-too-large": "errors.tooLarge",
};

const BY_STATUS: Record<number, string> = {
  400: "errors.badRequest",
  401: "errors.sessionEnded",
  403: "errors.forbidden",
  404: "errors.notFound",
  409: "errors.conflict",
  412: "errors.versionConflict",
  413: "errors.tooLarge",
  422: "errors.validation",
  502: "errors.unreachable",
  503: "errors.unavailable",
  504: "errors.unavailable",
};

/**
 * One sentence about `error`. On the log-in form (`login: true`) a 401 means a wrong
 * e-mail or password rather than an ended session.
 */
export function describeError(error: unknown, t: TFunction, { login = false }: { login?: boolean } = {}): string {
  if (error instanceof NetworkError) return t("errors.unreachable");
  if (!(error instanceof ApiError)) return t("errors.unknown");
  if (error.status === 401 && login) return t("errors.wrongCredentials");
  if (error.status === 429) {
    if (error.retryAfterS === null || error.retryAfterS < 60) return t("errors.throttledSoon");
    return t("errors.throttled", { count: Math.ceil(error.retryAfterS / 60) });
  }
  const key = BY_SLUG[error.slug] ?? BY_STATUS[error.status] ?? (error.status >= 500 ? "errors.internal" : "errors.unknown");
  return t(key);
}

const FIELD_CODES: Record<string, string> = {
  missing: "fieldErrors.required",
  value_error: "fieldErrors.email",
  string_too_short: "fieldErrors.tooShort",
  string_too_long: "fieldErrors.tooLong",
};

/** The message for one invalid field: ours for the usual validation codes, else the server's. */
export function describeFieldError(error: FieldError, t: TFunction): string {
  const key = FIELD_CODES[error.code];
  if (key === "fieldErrors.email" && !error.field.endsWith("email")) return error.message;
  return key ? t(key) : error.message;
}

/** The field errors of a 422 by field name (`body.email` and `email` both give `email`). */
export function fieldErrorsByName(error: unknown): Record<string, FieldError> {
  if (!(error instanceof ApiError) || error.status !== 422) return {};
  const found: Record<string, FieldError> = {};
  for (const item of error.fieldErrors) {
    const name = item.field.split(".").pop() ?? item.field;
    found[name] ??= item;
  }
  return found;
}
