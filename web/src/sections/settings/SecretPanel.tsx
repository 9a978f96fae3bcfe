/** The settings section's one-time secret panel (the generic component with its words). */
import { OneTimeSecret } from "../../components/OneTimeSecret";
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";

export function SecretPanel({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const { t } = useSectionStrings("settings", STRINGS);
  return (
    <OneTimeSecret
      label={label}
      secret={secret}
      warning={t("secret.warning")}
      copyLabel={t("secret.copy")}
      copiedLabel={t("secret.copied")}
      copyFailedLabel={t("secret.copyFailed")}
      doneLabel={t("secret.done")}
      onDone={onDone}
    />
  );
}
