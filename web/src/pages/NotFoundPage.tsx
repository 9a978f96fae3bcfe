/** Any path the console does not know. */
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <section className="page empty-state" aria-labelledby="page-title">
      <h1 id="page-title">{t("notFound.title")}</h1>
      <p>
        <Link to="/">{t("notFound.back")}</Link>
      </p>
    </section>
  );
}
