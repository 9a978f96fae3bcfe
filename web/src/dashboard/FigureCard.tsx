/** A card of the dashboard: its title and figures, or why the figures are missing. */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import type { Section } from "./types";

export function FigureCard<T>({
  title,
  section,
  wide = false,
  children,
}: {
  title: string;
  section: Section<T>;
  wide?: boolean;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  let body: ReactNode;
  if (section.status !== "ok") body = <p className="muted">{t(`dashboard.${section.status}`)}</p>;
  else if (section.data === null) body = <p className="muted">{t("dashboard.noData")}</p>;
  else body = children(section.data);
  return (
    <article className={wide ? "card wide" : "card"}>
      <h2>{title}</h2>
      {body}
    </article>
  );
}
