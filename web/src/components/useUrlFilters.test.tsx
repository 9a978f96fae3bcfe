import { act, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { describe, expect, it } from "vitest";

import { readFilters, useUrlFilters } from "./useUrlFilters";

const SPEC = { q: null, rating: ["hot", "warm"] } as const;

describe("readFilters", () => {
  it("keeps the known filters with allowed values", () => {
    const params = new URLSearchParams("rating=hot&q=%20sri%20&other=1");
    expect(readFilters(params, SPEC)).toEqual({ rating: "hot", q: "sri" });
    expect(readFilters(new URLSearchParams("rating=lukewarm&q="), SPEC)).toEqual({});
  });
});

describe("useUrlFilters", () => {
  it("merges changes into the URL, drops emptied filters, and Back restores them", async () => {
    let set: (changes: Record<string, string | undefined>) => void = () => {};
    function Probe() {
      const [values, update] = useUrlFilters(SPEC);
      set = update;
      return <p>{JSON.stringify(values)}</p>;
    }
    const router = createMemoryRouter([{ path: "/leads", element: <Probe /> }], { initialEntries: ["/leads?rating=hot"] });
    render(<RouterProvider router={router} />);
    expect(screen.getByText('{"rating":"hot"}')).toBeInTheDocument();

    act(() => set({ q: "sri" }));
    expect(router.state.location.search).toBe("?rating=hot&q=sri");
    act(() => set({ rating: undefined }));
    expect(router.state.location.search).toBe("?q=sri");
    expect(screen.getByText('{"q":"sri"}')).toBeInTheDocument();

    await act(() => router.navigate(-1));
    expect(screen.getByText('{"q":"sri","rating":"hot"}')).toBeInTheDocument();
  });
});
