import { describe, expect, it } from "vitest";

import { formatDate, formatDateTime, formatMonth } from "./dates";

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");
const instant = "2026-11-23T23:05:00Z";

describe("formatDate", () => {
  it("writes the date the locale's way", () => {
    expect(formatDate(instant, "en-US", "UTC")).toBe("Nov 23, 2026");
    expect(formatDate(instant, "en-GB", "UTC")).toBe("23 Nov 2026");
    expect(formatDate(instant, "id-ID", "UTC")).toBe("23 Nov 2026");
  });

  it("uses the time zone (Jakarta is 7 hours ahead of UTC)", () => {
    expect(formatDate(instant, "id-ID", "Asia/Jakarta")).toBe("24 Nov 2026");
  });

  it("is empty for an invalid date", () => {
    expect(formatDate("not a date", "en-US")).toBe("");
    expect(formatDateTime("", "en-US")).toBe("");
  });
});

describe("formatDateTime", () => {
  it("adds the time of day in the locale's clock", () => {
    expect(plain(formatDateTime(instant, "en-US", "UTC"))).toBe("Nov 23, 2026, 11:05 PM");
    expect(plain(formatDateTime(instant, "id-ID", "Asia/Jakarta"))).toBe("24 Nov 2026, 06.05");
  });
});

describe("formatMonth", () => {
  it("names the month the locale's way, whatever the time zone", () => {
    expect(formatMonth("2026-11", "en-US")).toBe("Nov 2026");
    expect(formatMonth("2027-01", "id-ID")).toBe("Jan 2027");
  });

  it("leaves a malformed month as it is", () => {
    expect(formatMonth("2026-1", "en-US")).toBe("2026-1");
  });
});
