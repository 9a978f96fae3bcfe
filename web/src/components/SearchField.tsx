/** A labelled search box whose text is committed (to the URL, say) once typing pauses. */
import { useDebouncedSearch } from "./useDebouncedSearch";

export function SearchField({ id, label, value, onCommit }: { id: string; label: string; value: string; onCommit: (text: string) => void }) {
  const [text, setText] = useDebouncedSearch(value, onCommit);
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" maxLength={100} value={text} onChange={(event) => setText(event.target.value)} />
    </div>
  );
}
