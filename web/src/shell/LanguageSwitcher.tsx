/** A labelled select that switches the console's language and remembers the choice. */
import { useId } from "react";
import { useTranslation } from "react-i18next";

import { type Language, LANGUAGES, switchLanguage } from "../i18n";

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t("shell.language")}</label>
      <select id={id} value={i18n.language} onChange={(event) => void switchLanguage(i18n, event.target.value as Language, localStorage)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {t(`languages.${language}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
