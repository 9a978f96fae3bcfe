/** The page of a section the console does not have yet: says so, and where to go meanwhile. */
import { useTranslation } from "react-i18next";

import type { SectionKey } from "../shell/sections";

export default function SectionPlaceholder({ section }: { section: SectionKey }) {
  const { t } = useTranslation();
  return (
    <section className="page empty-state" aria-labelledby="page-title">
      <h1 id="page-title">{t(`nav.${section}`)}</h1>
      <p>{t("placeholder.comingSoon")}</p>
      <p className="muted">{t("placeholder.explanation")}</p>
    </section>
  );
}
