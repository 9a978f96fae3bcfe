/** The console's languages, the persisted choice, and the locale used for formatting. */
import i18next, { type i18n } from "i18next";
import { initReactI18next } from "react-i18next";

import en from "./en";
import id from "./id";

export const LANGUAGES = ["en", "id"] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = "crm.language";
const DEFAULT_LOCALE: Record<Language, string> = { en: "en-US", id: "id-ID" };

function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? "");
}

/** The saved choice, else the browser's language when it is one of ours, else English. */
export function initialLanguage(storage: Storage, browserLanguages: readonly string[]): Language {
  const saved = storage.getItem(STORAGE_KEY);
  if (isLanguage(saved)) return saved;
  const browser = browserLanguages.map((tag) => tag.split("-")[0]).find(isLanguage);
  return browser ?? "en";
}

/**
 * The locale for numbers and dates: the browser's own when it is in the chosen language
 * (`en-GB` keeps day-month order), else the language's usual locale.
 */
export function localeFor(language: Language, browserLanguages: readonly string[]): string {
  return browserLanguages.find((tag) => tag.split("-")[0] === language && tag.includes("-")) ?? DEFAULT_LOCALE[language];
}

/** Start i18next with both languages bundled (a few KB) in `language`. */
export async function createI18n(language: Language): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance.use(initReactI18next).init({
    resources: { en: { translation: en }, id: { translation: id } },
    lng: language,
    fallbackLng: "en",
    supportedLngs: [...LANGUAGES],
    interpolation: { escapeValue: false }, // React escapes what it renders
    returnNull: false,
  });
  return instance;
}

/** Switch the language, remember it, and tell assistive technology (`<html lang>`). */
export async function switchLanguage(instance: i18n, language: Language, storage: Storage): Promise<void> {
  storage.setItem(STORAGE_KEY, language);
  await instance.changeLanguage(language);
  document.documentElement.lang = language;
}
