import { describe, expect, it } from "vitest";

import { ApiError, NetworkError } from "../api/problem";
import en from "./en";
import id from "./id";
import { createI18n, initialLanguage, localeFor, switchLanguage } from ".";
import { describeError, describeFieldError, fieldErrorsByName } from "./describeError";

function keys(value: object, prefix = ""): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === "string" ? [prefix + key] : keys(inner as object, `${prefix}${key}.`),
  );
}

describe("languages", () => {
  it("has every English string in Bahasa Indonesia, none left empty", () => {
    expect(keys(id)).toEqual(keys(en));
    expect(keys(id).filter((key) => key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], id) === "")).toEqual([]);
  });

  it("starts in the saved language, else the browser's, else English", () => {
    expect(initialLanguage(localStorage, ["id-ID", "en"])).toBe("id");
    expect(initialLanguage(localStorage, ["fr-FR"])).toBe("en");
    localStorage.setItem("crm.language", "en");
    expect(initialLanguage(localStorage, ["id-ID"])).toBe("en");
  });

  it("remembers a switch and marks the page's language", async () => {
    const i18n = await createI18n("en");
    await switchLanguage(i18n, "id", localStorage);
    expect(i18n.t("nav.leads")).toBe("Prospek");
    expect(document.documentElement.lang).toBe("id");
    expect(initialLanguage(localStorage, ["en-US"])).toBe("id");
  });

  it("formats in the browser's locale when it matches the language", () => {
    expect(localeFor("en", ["en-GB", "id-ID"])).toBe("en-GB");
    expect(localeFor("id", ["en-GB", "id-ID"])).toBe("id-ID");
    expect(localeFor("id", ["en-GB"])).toBe("id-ID");
    expect(localeFor("en", ["id"])).toBe("en-US");
  });
});

describe("describeError", async () => {
  const i18n = await createI18n("en");
  const t = i18n.t;
  const problem = (status: number, slug = "", retryAfter: number | null = null) =>
    new ApiError(status, slug, "", "", [], retryAfter);

  it("explains a refused log-in, a throttled one and a server that is down", () => {
    expect(describeError(problem(401, "unauthorized"), t, { login: true })).toBe("The e-mail or the password is wrong.");
    expect(describeError(problem(429, "too-many-requests", 600), t, { login: true })).toBe(
      "Too many failed attempts. Try again in 10 minutes.",
    );
    expect(describeError(problem(429, "too-many-requests", 30), t)).toBe("Too many requests. Wait a moment and try again.");
    expect(describeError(new NetworkError("Failed to fetch"), t, { login: true })).toMatch(/cannot be reached/);
    expect(describeError(problem(503, "service-unavailable"), t)).toMatch(/temporarily unavailable/);
  });

  it("outside the log-in form a 401 is an ended session", () => {
    expect(describeError(problem(401, "unauthorized"), t)).toBe("Your session has ended. Please log in again.");
  });

  it("prefers the problem type over the status", () => {
    expect(describeError(problem(409, "version-conflict"), t)).toMatch(/Someone else changed/);
    expect(describeError(problem(409, "conflict"), t)).toMatch(/conflicts/);
    expect(describeError(problem(500, "internal-error"), t)).toMatch(/has been logged/);
    expect(describeError(new Error("boom"), t)).toBe("Something went wrong. Try again.");
  });

  it("speaks Indonesian too", async () => {
    const indonesian = await createI18n("id");
    expect(describeError(problem(401), indonesian.t, { login: true })).toBe("E-mail atau kata sandi salah.");
    expect(describeError(problem(429, "", 120), indonesian.t)).toBe("Terlalu banyak percobaan gagal. Coba lagi dalam 2 menit.");
  });

  it("gives the field errors of a 422 by name, in the user's words when the code is known", () => {
    const error = new ApiError(422, "validation-error", "", "", [
      { field: "email", message: "value is not a valid email address", code: "value_error" },
      { field: "body.password", message: "Field required", code: "missing" },
      { field: "name", message: "special rule", code: "custom" },
    ]);
    const fields = fieldErrorsByName(error);
    expect(Object.keys(fields)).toEqual(["email", "password", "name"]);
    expect(describeFieldError(fields["email"]!, t)).toBe("Enter a valid e-mail address.");
    expect(describeFieldError(fields["password"]!, t)).toBe("This field is required.");
    expect(describeFieldError(fields["name"]!, t)).toBe("special rule");
    expect(fieldErrorsByName(problem(409))).toEqual({});
  });
});
