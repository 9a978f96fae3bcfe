/** Money in the tenant's currency (IDR unless the tenant says otherwise). */

export const DEFAULT_CURRENCY = "IDR";

/**
 * Format `amount` (a number, or the decimal string the API sends) for `locale`.
 * Rupiah have no minor unit in practice, so IDR shows no decimals; other currencies use
 * their standard digits.
 */
export function formatMoney(amount: number | string, locale: string, currency: string = DEFAULT_CURRENCY): string {
  const value = typeof amount === "string" ? Number(amount) : amount;
  const options: Intl.NumberFormatOptions = { style: "currency", currency };
  if (currency === "IDR") {
    options.minimumFractionDigits = 0;
    options.maximumFractionDigits = 0;
  }
  return new Intl.NumberFormat(locale, options).format(Number.isFinite(value) ? value : 0);
}

/** A count or other plain number, grouped the user's way. */
export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A share from 0 to 1 as a percentage (`0.425` -> `42.5%`). */
export function formatPercent(share: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(share);
}
