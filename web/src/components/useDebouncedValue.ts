/** A value that follows another once it has stopped changing for a while. */
import { useEffect, useState } from "react";

/** `value` as it was `delayMs` after its last change (the first value at once). */
export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
