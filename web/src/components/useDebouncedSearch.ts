/** A search box's text, committed (to the URL, say) once the user pauses typing. */
import { useEffect, useState } from "react";

export const SEARCH_DELAY_MS = 300;

/** The box's current text and its setter; `commit` gets the trimmed text after `delayMs` of calm. */
export function useDebouncedSearch(committed: string, commit: (text: string) => void, delayMs = SEARCH_DELAY_MS): [string, (text: string) => void] {
  const [text, setText] = useState(committed);
  useEffect(() => {
    if (text.trim() === committed) return undefined;
    const timer = setTimeout(() => commit(text.trim()), delayMs);
    return () => clearTimeout(timer);
  }, [text, committed, commit, delayMs]);
  return [text, setText];
}
