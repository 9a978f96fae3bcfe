/** One all/any group of the segment builder: its conditions (field, operator, and a value
 * input fitting the field) and nested groups, each removable, with buttons to add more. */
import { useSectionStrings } from "../../i18n/sectionStrings";
import { STRINGS as CONTACT_STRINGS } from "../contacts/strings";
import {
  addRule,
  canNest,
  type ConditionNode,
  CUSTOM_PREFIX,
  FIELD_NAMES,
  fieldChoice,
  fieldSpec,
  type GroupNode,
  newCondition,
  newGroup,
  operandOf,
  removeRule,
  setField,
  setMatch,
  setOp,
  setValue,
} from "./segmentRules";
import { STRINGS } from "./strings";

interface EditorProps {
  root: GroupNode;
  onChange: (root: GroupNode) => void;
  /** Whether another condition may be added. */
  roomForMore: boolean;
  readOnly: boolean;
}

function ValueInput({ node, label, root, onChange, readOnly }: { node: ConditionNode; label: string } & Omit<EditorProps, "roomForMore">) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { t: tContacts } = useSectionStrings("contacts", CONTACT_STRINGS);
  const spec = fieldSpec(node.field);
  const operand = operandOf(node.field, node.op);
  const choiceLabel = (value: string) => (node.field === "lifecycle_stage" ? tContacts(`stage.${value}`) : tContacts(`segment.${value}`));
  const inputType = spec.kind === "number" ? "number" : spec.kind === "date" ? "date" : "text";
  const set = (value: string | string[]) => onChange(setValue(root, node.id, value));
  const text = typeof node.value === "string" ? node.value : "";
  const list = Array.isArray(node.value) ? node.value : [];
  const id = `${node.id}-value`;

  if (operand === "flag") {
    return (
      <div className="form-field">
        <label htmlFor={id}>{label}</label>
        <select id={id} value={text} disabled={readOnly} onChange={(event) => set(event.target.value)}>
          <option value="true">{t("builder.yes")}</option>
          <option value="false">{t("builder.no")}</option>
        </select>
      </div>
    );
  }
  if (operand === "choices") {
    return (
      <fieldset className="choice-values">
        <legend>{label}</legend>
        {(spec.choices ?? []).map((choice) => (
          <span key={choice} className="check-field">
            <input
              type="checkbox"
              id={`${id}-${choice}`}
              checked={list.includes(choice)}
              disabled={readOnly}
              onChange={(event) => set(event.target.checked ? [...list, choice] : list.filter((other) => other !== choice))}
            />
            <label htmlFor={`${id}-${choice}`}>{choiceLabel(choice)}</label>
          </span>
        ))}
      </fieldset>
    );
  }
  if (operand === "range") {
    return (
      <fieldset className="range-values">
        <legend>{label}</legend>
        {[t("builder.from"), t("builder.to")].map((bound, i) => (
          <span key={bound} className="form-field">
            <label htmlFor={`${id}-${i}`}>{bound}</label>
            <input id={`${id}-${i}`} type={inputType} step="any" value={list[i] ?? ""} readOnly={readOnly} onChange={(event) => set(i === 0 ? [event.target.value, list[1] ?? ""] : [list[0] ?? "", event.target.value])} />
          </span>
        ))}
      </fieldset>
    );
  }
  if (operand === "single" && spec.kind === "choice") {
    return (
      <div className="form-field">
        <label htmlFor={id}>{label}</label>
        <select id={id} value={text} disabled={readOnly} onChange={(event) => set(event.target.value)}>
          <option value="" />
          {(spec.choices ?? []).map((choice) => (
            <option key={choice} value={choice}>
              {choiceLabel(choice)}
            </option>
          ))}
        </select>
      </div>
    );
  }
  const isList = operand === "list";
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={isList ? "text" : inputType}
        step={inputType === "number" ? "any" : undefined}
        maxLength={200}
        value={text}
        readOnly={readOnly}
        aria-describedby={isList ? `${id}-hint` : undefined}
        onChange={(event) => set(event.target.value)}
      />
      {isList && (
        <p className="field-hint" id={`${id}-hint`}>
          {t("builder.listHint")}
        </p>
      )}
    </div>
  );
}

function ConditionRow({ node, n, root, onChange, readOnly }: { node: ConditionNode; n: number } & Omit<EditorProps, "roomForMore">) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const spec = fieldSpec(node.field);
  const choice = fieldChoice(node.field);
  const title = t("builder.condition", { n });
  return (
    <li className="rule-condition">
      <fieldset>
        <legend className="visually-hidden">{title}</legend>
        <div className="form-field">
          <label htmlFor={`${node.id}-field`}>{t("builder.field")}</label>
          <select id={`${node.id}-field`} value={choice} disabled={readOnly} onChange={(event) => onChange(setField(root, node.id, event.target.value))}>
            {FIELD_NAMES.map((name) => (
              <option key={name} value={name}>
                {t(`builder.fields.${name}`)}
              </option>
            ))}
          </select>
        </div>
        {choice === CUSTOM_PREFIX && (
          <div className="form-field">
            <label htmlFor={`${node.id}-custom`}>{t("builder.customName")}</label>
            <input
              id={`${node.id}-custom`}
              maxLength={50}
              pattern="[A-Za-z_][A-Za-z0-9_]*"
              value={node.field.slice(CUSTOM_PREFIX.length)}
              readOnly={readOnly}
              onChange={(event) => onChange(setField(root, node.id, CUSTOM_PREFIX + event.target.value))}
            />
          </div>
        )}
        <div className="form-field">
          <label htmlFor={`${node.id}-op`}>{t("builder.op")}</label>
          <select id={`${node.id}-op`} value={node.op} disabled={readOnly} onChange={(event) => onChange(setOp(root, node.id, event.target.value))}>
            {spec.ops.map((op) => (
              <option key={op} value={op}>
                {t(`builder.ops.${op}`)}
              </option>
            ))}
          </select>
        </div>
        <ValueInput node={node} label={t("builder.value")} root={root} onChange={onChange} readOnly={readOnly} />
        {!readOnly && (
          <button type="button" className="button secondary" aria-label={`${t("builder.remove")}: ${title}`} onClick={() => onChange(removeRule(root, node.id))}>
            {t("builder.remove")}
          </button>
        )}
      </fieldset>
    </li>
  );
}

export function RuleGroupEditor({ group, ...props }: EditorProps & { group: GroupNode }) {
  const { t } = useSectionStrings("campaigns", STRINGS);
  const { root, onChange, roomForMore, readOnly } = props;
  const isRoot = group.id === root.id;
  let conditions = 0;
  return (
    <fieldset className={isRoot ? "rule-group root" : "rule-group"}>
      <legend>{t("builder.group", { match: t(`builder.${group.match}`) })}</legend>
      <div className="form-field match-field">
        <label htmlFor={`${group.id}-match`}>{t("builder.match")}</label>
        <select id={`${group.id}-match`} value={group.match} disabled={readOnly} onChange={(event) => onChange(setMatch(root, group.id, event.target.value as "all" | "any"))}>
          <option value="all">{t("builder.all")}</option>
          <option value="any">{t("builder.any")}</option>
        </select>
      </div>
      <ul className="rule-list">
        {group.rules.map((rule) => {
          if (rule.kind === "group") {
            return (
              <li key={rule.id}>
                <RuleGroupEditor group={rule} {...props} />
              </li>
            );
          }
          conditions += 1;
          return <ConditionRow key={rule.id} node={rule} n={conditions} root={root} onChange={onChange} readOnly={readOnly} />;
        })}
      </ul>
      {!readOnly && (
        <p className="button-row">
          <button type="button" className="button secondary" disabled={!roomForMore} onClick={() => onChange(addRule(root, group.id, newCondition()))}>
            {t("builder.addCondition")}
          </button>
          {canNest(root, group.id) && (
            <button type="button" className="button secondary" disabled={!roomForMore} onClick={() => onChange(addRule(root, group.id, newGroup(group.match === "all" ? "any" : "all")))}>
              {t("builder.addGroup")}
            </button>
          )}
          {!isRoot && (
            <button type="button" className="button secondary" onClick={() => onChange(removeRule(root, group.id))}>
              {t("builder.removeGroup")}
            </button>
          )}
        </p>
      )}
    </fieldset>
  );
}
