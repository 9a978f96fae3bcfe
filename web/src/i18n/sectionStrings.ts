/**
 * A section's own strings: an i18next namespace named after the section, bundled with the
 * section's code (so the first bundle carries only the shell's strings) and added to the
 * running i18next instance the first time one of the section's screens renders.
 */
import { useTranslation, type UseTranslationResponse } from "react-i18next";

import type { Strings } from "./en";
import type { Language } from ".";

/** A section's strings in every language; Bahasa Indonesia must have exactly the English keys. */
export type SectionStrings<T extends object> = Record<Language, T | Strings<T>>;

/** Declare a section's strings (typed: a missing or extra translation fails the type check). */
export function defineSectionStrings<T extends object>(en: T, id: Strings<T>): SectionStrings<T> {
  return { en, id };
}

/** `useTranslation` bound to the section's namespace, adding its strings on first use. */
export function useSectionStrings<T extends object>(
  namespace: string,
  strings: SectionStrings<T>,
): UseTranslationResponse<string, undefined> {
  const { i18n } = useTranslation();
  for (const [language, resources] of Object.entries(strings)) {
    if (!i18n.hasResourceBundle(language, namespace)) i18n.addResourceBundle(language, namespace, resources);
  }
  return useTranslation(namespace);
}
