/** A contact's RFM segment as a labelled badge ("Segment: Champions"). */
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS } from "./strings";
import { RFM_SEGMENTS } from "./types";

export function RfmBadge({ segment }: { segment: string | null }) {
  const { t } = useSectionStrings("contacts", STRINGS);
  const known = segment !== null && (RFM_SEGMENTS as readonly string[]).includes(segment);
  return (
    <span className={`badge rfm rfm-${known ? segment : "none"}`}>
      {t("purchases.segment")}: {known ? t(`segment.${segment}`) : segment ?? t("purchases.noSegment")}
    </span>
  );
}
