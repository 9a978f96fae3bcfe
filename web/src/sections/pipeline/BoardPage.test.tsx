import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";

import { fakeJwt, json, renderApp } from "../../test/renderApp";
import { board, deal, PIPELINE } from "./fixtures";
import type { Board } from "./types";

interface Post {
  path: string;
  body: unknown;
  ifMatch: string | null;
}

/** A gateway with one pipeline; stage moves answer with `answerMove` (in order). */
function gateway(roles: string[] = ["sales"]) {
  const state = {
    board: board() as Board,
    posts: [] as Post[],
    answers: [] as (() => Promise<Response>)[],
    fresh: deal("deal_a") as ReturnType<typeof deal> | null,
  };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    if (path === "/api/v1/auth/refresh") {
      return json({ access_token: fakeJwt({ sub: "user_sri", tid: "acme", roles, name: "Sri" }), refresh_token: "rt", expires_in: 900 });
    }
    if (path === "/api/v1/pipelines?limit=200") return json({ items: [PIPELINE], next_cursor: null });
    if (path === "/api/v1/deals/board?per_stage=20") return json(state.board);
    if (path === "/api/v1/deals?cursor=cursor-1&limit=20&pipeline_id=pipe_1&stage=prospecting") {
      return json({ items: [deal("deal_d", { name: "Deal behind the cursor" })], next_cursor: null });
    }
    if (path === "/api/v1/deals/deal_a" && (init?.method ?? "GET") === "GET") {
      return state.fresh ? json(state.fresh) : json({ type: "/problems/service-unavailable", status: 503 }, 503);
    }
    if (path.endsWith("/stage") && init?.method === "POST") {
      state.posts.push({ path, body: JSON.parse(String(init.body)), ifMatch: headers["if-match"] ?? null });
      const answer = state.answers.shift();
      return answer ? answer() : json({ type: "/problems/internal", status: 500 }, 500);
    }
    return json({ type: "/problems/not-found", status: 404 }, 404);
  };
  return { state, fetchFn };
}

function deferred() {
  let resolve: (response: Response) => void = () => {};
  const promise = new Promise<Response>((r) => (resolve = r));
  return { promise, resolve };
}

const column = (id: string) => screen.getByTestId(`column-${id}`);
const moveSelect = (name: string) => screen.getByRole("combobox", { name: `Move ${name} to stage` });

beforeEach(() => sessionStorage.setItem("crm.refresh_token", "rt-kept"));

describe("the board", () => {
  it("shows each stage with its count and totals, and pages through a long column", async () => {
    const { fetchFn } = gateway();
    await renderApp("/pipeline", fetchFn);
    expect(await screen.findByRole("heading", { name: "Pipeline: Sales" })).toBeInTheDocument();
    const prospecting = column("prospecting");
    expect(within(prospecting).getByText("3 deals")).toBeInTheDocument();
    expect(within(prospecting).getByText(/^IDR\s10,000,000/)).toHaveTextContent("weighted IDR 1,000,000");
    expect(within(column("closed_won")).getByText("No deals in this stage.")).toBeInTheDocument();
    fireEvent.click(within(prospecting).getByRole("button", { name: "Show more deals" }));
    expect(await within(prospecting).findByRole("link", { name: "Deal behind the cursor" })).toHaveAttribute("href", "/pipeline/deals/deal_d");
    expect(within(prospecting).queryByRole("button", { name: "Show more deals" })).toBeNull();
  });

  it("explains a column page that could not be loaded", async () => {
    const { state, fetchFn } = gateway();
    state.board = { ...board(), stages: board().stages.map((c) => (c.id === "prospecting" ? { ...c, next_cursor: "cursor-gone" } : c)) };
    await renderApp("/pipeline", fetchFn);
    fireEvent.click(await within(await screen.findByTestId("column-prospecting")).findByRole("button", { name: "Show more deals" }));
    expect(await within(column("prospecting")).findByRole("alert")).toHaveTextContent("This record does not exist, or it was deleted.");
  });

  it("moves a deal at once, sending the version it saw, and says when the move is done", async () => {
    const { state, fetchFn } = gateway();
    const answer = deferred();
    state.answers.push(() => answer.promise);
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "negotiation" } });
    await waitFor(() => expect(within(column("negotiation")).getByText("Deal deal_a")).toBeInTheDocument());
    expect(within(column("negotiation")).getByText("2 deals")).toBeInTheDocument();
    expect(screen.getByText("Moving Deal deal_a to Negotiation…")).toHaveAttribute("role", "status");
    expect(state.posts).toEqual([{ path: "/api/v1/deals/deal_a/stage", body: { stage: "negotiation" }, ifMatch: '"1"' }]);

    const moved = deal("deal_a", { stage: "negotiation", probability: 80, version: 2 });
    state.board = { ...board(), stages: board().stages.map((c) => (c.id === "negotiation" ? { ...c, count: 2, deals: [moved, ...c.deals] } : c.id === "prospecting" ? { ...c, count: 2, deals: c.deals.slice(1) } : c)) };
    answer.resolve(json(moved));
    expect(await screen.findByText("Deal deal_a moved to Negotiation.")).toBeInTheDocument();
    expect(within(column("negotiation")).getByText("Deal deal_a")).toBeInTheDocument();
  });

  it("puts the deal back and explains when the server refuses the move", async () => {
    const { state, fetchFn } = gateway();
    state.answers.push(async () => json({ type: "/problems/forbidden", status: 403 }, 403));
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "negotiation" } });
    expect(await screen.findByRole("alert")).toHaveTextContent("Your role does not allow this.");
    expect(within(column("prospecting")).getByText("Deal deal_a")).toBeInTheDocument();
    expect(within(column("negotiation")).queryByText("Deal deal_a")).toBeNull();
  });

  it("on a conflict shows the deal's fresh stage and version and asks again", async () => {
    const { state, fetchFn } = gateway();
    state.answers.push(async () => json({ type: "/problems/version-conflict", status: 409 }, 409));
    state.answers.push(async () => json(deal("deal_a", { stage: "closed_won", status: "won", version: 4 })));
    const fresh = deal("deal_a", { stage: "negotiation", probability: 80, version: 3 });
    state.fresh = fresh;
    state.board = { ...board(), stages: board().stages.map((c) => (c.id === "prospecting" ? { ...c, deals: c.deals.slice(1) } : c.id === "negotiation" ? { ...c, deals: [fresh, ...c.deals] } : c)) };
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "closed_won" } });

    const dialog = await screen.findByRole("dialog", { name: "Deal deal_a changed meanwhile" });
    expect(dialog).toHaveTextContent("It is now in Negotiation (version 3).");
    expect(dialog).toHaveTextContent("Move it to Closed Won anyway?");
    await waitFor(() => expect(within(column("negotiation")).getByText("Deal deal_a")).toBeInTheDocument());
    fireEvent.click(within(dialog).getByRole("button", { name: "Move to Closed Won" }));
    await waitFor(() => expect(state.posts).toHaveLength(2));
    expect(state.posts[1]).toMatchObject({ body: { stage: "closed_won" }, ifMatch: '"3"' });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("explains a conflict whose fresh state could not be read", async () => {
    const { state, fetchFn } = gateway();
    state.answers.push(async () => json({ type: "/problems/version-conflict", status: 409 }, 409));
    state.fresh = null;
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "negotiation" } });
    expect(await screen.findByRole("alert")).toHaveTextContent("Someone else changed this record meanwhile.");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(within(column("prospecting")).getByText("Deal deal_a")).toBeInTheDocument();
  });

  it("says there is nothing to do when the deal is already where it was moved", async () => {
    const { state, fetchFn } = gateway();
    state.answers.push(async () => json({ type: "/problems/conflict", status: 409 }, 409));
    state.fresh = deal("deal_a", { stage: "negotiation", version: 2 });
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "negotiation" } });
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("It is already in Negotiation: nothing to do.");
    const [corner, answer] = within(dialog).getAllByRole("button", { name: "Close" });
    expect(answer).toHaveFocus();
    expect(corner).toHaveClass("dialog-close");
    fireEvent.click(answer!);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(state.posts).toHaveLength(1);
  });

  it("asks why a deal was lost before closing it as lost, and can be cancelled", async () => {
    const { state, fetchFn } = gateway();
    state.answers.push(async () => json(deal("deal_a", { stage: "closed_lost", status: "lost", lost_reason: "price", version: 2 })));
    await renderApp("/pipeline", fetchFn);
    fireEvent.change(await screen.findByRole("combobox", { name: "Move Deal deal_a to stage" }), { target: { value: "closed_lost" } });
    let dialog = await screen.findByRole("dialog", { name: "Why was Deal deal_a lost?" });
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(state.posts).toEqual([]);

    fireEvent.change(moveSelect("Deal deal_a"), { target: { value: "closed_lost" } });
    dialog = await screen.findByRole("dialog", { name: "Why was Deal deal_a lost?" });
    const reason = within(dialog).getByLabelText("Lost reason");
    expect(reason).toHaveFocus();
    fireEvent.click(within(dialog).getByRole("button", { name: "Close as lost" }));
    expect(state.posts).toEqual([]); // a reason is required
    fireEvent.change(reason, { target: { value: "  price " } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Close as lost" }));
    await waitFor(() => expect(state.posts).toHaveLength(1));
    expect(state.posts[0]!.body).toEqual({ stage: "closed_lost", lost_reason: "price" });
  });

  it("lets a viewer look but not move", async () => {
    const { fetchFn } = gateway(["viewer"]);
    await renderApp("/pipeline", fetchFn);
    expect(await screen.findByText("Your role may look at deals but not move them.")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Deal deal_a" })).toBeInTheDocument();
    const board = screen.getByRole("group", { name: "Deals by stage" });
    expect(within(board).queryByRole("combobox")).toBeNull();
    expect(within(board).queryByRole("button", { name: /^Move / })).toBeNull();
  });
});
