/** The locale numbers and dates are formatted in, following the chosen language. */
import { useTranslation } from "react-i18next";

import { type Language, localeFor } from "../i18n";

export function useLocale(): string {
  const { i18n } = useTranslation();
  return localeFor(i18n.language as Language, navigator.languages);
}
