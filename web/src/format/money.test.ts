import { describe, expect, it } from "vitest";

import { formatMoney, formatNumber, formatPercent } from "./money";

// Intl separators include no-break spaces; compare with them folded to plain spaces
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatMoney", () => {
  it("shows rupiah without decimals, grouped the Indonesian way", () => {
    expect(plain(formatMoney(15000000, "id-ID"))).toBe("Rp 15.000.000");
  });

  it("uses IDR unless told otherwise, also in English", () => {
    expect(plain(formatMoney("1250000.75", "en-US"))).toBe("IDR 1,250,001");
  });

  it("uses the standard digits of other currencies", () => {
    expect(formatMoney("1234.5", "en-US", "USD")).toBe("$1,234.50");
    expect(plain(formatMoney(1234.5, "id-ID", "USD"))).toBe("US$1.234,50");
  });

  it("shows zero for an amount that is not a number", () => {
    expect(plain(formatMoney("abc", "id-ID"))).toBe("Rp 0");
  });
});

describe("formatNumber", () => {
  it("groups digits by locale", () => {
    expect(formatNumber(1234567, "id-ID")).toBe("1.234.567");
    expect(formatNumber(1234567, "en-US")).toBe("1,234,567");
  });
});

describe("formatPercent", () => {
  it("shows a share as a percentage with at most one decimal", () => {
    expect(formatPercent(0.4251, "en-US")).toBe("42.5%");
    expect(plain(formatPercent(0.5, "id-ID"))).toBe("50%");
  });
});
