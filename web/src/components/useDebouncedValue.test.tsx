import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useDebouncedValue } from "./useDebouncedValue";

describe("useDebouncedValue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("gives the first value at once and a changed one only after it has been still", () => {
    const { result, rerender } = renderHook(({ value }) => useDebouncedValue(value, 100), { initialProps: { value: "a" } });
    expect(result.current).toBe("a");
    rerender({ value: "b" });
    act(() => vi.advanceTimersByTime(60));
    rerender({ value: "c" });
    act(() => vi.advanceTimersByTime(60));
    expect(result.current).toBe("a"); // "b" never settled
    act(() => vi.advanceTimersByTime(40));
    expect(result.current).toBe("c");
  });
});
