/** Why the lead has its score and rating: the rules that fired and the thresholds. */
import { type Lead, type ScoreExplanation, useScoreExplanation } from "./api";
import { RatingBadge } from "./Badges";
import { useLeadStrings } from "./strings";

/** The sentence that explains the rating from the score and the thresholds. */
export function ratingReason(explanation: ScoreExplanation): { key: string; values: Record<string, number> } {
  const { score, rating, hot_threshold: hot, warm_threshold: warm, junk_below: junkBelow } = explanation;
  if (rating === "junk") return explanation.junk_flag ? { key: "score.junkFlag", values: {} } : { key: "score.junkBelow", values: { score, threshold: junkBelow ?? 0 } };
  if (rating === "hot") return { key: "score.hot", values: { score, threshold: hot } };
  if (rating === "warm") return { key: "score.warm", values: { score, warm, hot } };
  return { key: "score.cold", values: { score, threshold: warm } };
}

export function ScorePanel({ lead }: { lead: Lead }) {
  const { t, describe } = useLeadStrings();
  const explained = useScoreExplanation(lead.id, lead.version);

  let body;
  if (explained.isPending) body = <p role="status">{t("list.loading")}</p>;
  else if (explained.isError)
    body = (
      <p className="error" role="alert">
        {describe(explained.error)}
      </p>
    );
  else {
    const data = explained.data;
    const reason = ratingReason(data);
    body = (
      <>
        <p className="score-line">
          <span className="big-number">{data.score}</span> <RatingBadge rating={data.rating} />
        </p>
        <p>{t(reason.key, reason.values)}</p>
        {data.reasons.length === 0 ? (
          <p className="muted">{t("score.noRules")}</p>
        ) : (
          <table className="score-rules">
            <caption className="visually-hidden">{t("score.rulesCaption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("score.rule")}</th>
                <th scope="col">{t("score.points")}</th>
              </tr>
            </thead>
            <tbody>
              {data.reasons.map((reason, index) => (
                <tr key={reason.rule_id ?? index}>
                  <td>{reason.name}</td>
                  <td>{reason.points > 0 ? `+${reason.points}` : reason.points}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {!data.up_to_date && <p className="notice">{t("score.rescoring")}</p>}
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="lead-score-title">
      <h2 id="lead-score-title">{t("score.title")}</h2>
      {body}
    </section>
  );
}
