import { describe, expect, it, vi } from "vitest";

import { ApiError, NetworkError } from "../api/problem";
import { backoffDelay, LiveStream, MAX_RETRY_MS } from "./liveStream";
import type { SseEvent } from "./sseParser";

/** A streamed response the test writes to, as the server would. */
function standInStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = new Response(body, { headers: { "content-type": "text/event-stream" } });
  return {
    response,
    send: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    isCancelled: () => cancelled,
  };
}

type Outcome = ReturnType<typeof standInStream> | Error;

/** A stream whose connection attempts answer `outcomes` in turn, then stay pending. */
function harness(outcomes: Outcome[]) {
  const opened: string[] = [];
  const waits: number[] = [];
  const events: SseEvent[] = [];
  const open = (lastEventId: string, signal: AbortSignal): Promise<Response> => {
    opened.push(lastEventId);
    const next = outcomes.shift();
    if (next === undefined) {
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next.response);
  };
  const stream = new LiveStream({
    open,
    onEvents: (batch) => events.push(...batch),
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5, // no spread: the delays are exact
  });
  return { stream, opened, waits, events };
}

describe("LiveStream", () => {
  it("passes events on and, after a drop, reconnects after the last whole event", async () => {
    const first = standInStream();
    const second = standInStream();
    const { stream, opened, waits, events } = harness([first, second]);
    stream.start();
    first.send("retry: 1000\n\nid: ntf_1\nevent: notification\ndata: {}\n\nid: ntf_2\ndata: half");
    await vi.waitFor(() => expect(events.map((e) => e.id)).toEqual(["ntf_1"]));
    first.end(); // dropped in the middle of ntf_2: it must come again
    await vi.waitFor(() => expect(opened).toEqual(["", "ntf_1"]));
    expect(waits).toEqual([1000]); // the server's hint
    second.send("id: ntf_2\nevent: notification\ndata: {}\n\n");
    await vi.waitFor(() => expect(events.map((e) => e.id)).toEqual(["ntf_1", "ntf_2"]));
    stream.stop();
  });

  it("waits longer after each failed attempt, and the hint again once a connection worked", async () => {
    const working = standInStream();
    const { stream, opened, waits } = harness([new NetworkError("down"), new NetworkError("down"), new NetworkError("down"), working]);
    stream.start();
    await vi.waitFor(() => expect(opened).toHaveLength(4));
    expect(waits).toEqual([6000, 12000, 24000]);
    working.end();
    await vi.waitFor(() => expect(opened).toHaveLength(5));
    expect(waits).toEqual([6000, 12000, 24000, 3000]);
    stream.stop();
  });

  it("reconnects at once, with Last-Event-ID, when asked (a refreshed token)", async () => {
    const first = standInStream();
    const { stream, opened, waits } = harness([first]);
    stream.start();
    first.send("id: ntf_9\ndata: {}\n\n");
    await vi.waitFor(() => expect(stream.lastEventId).toBe("ntf_9"));
    stream.reconnect();
    await vi.waitFor(() => expect(opened).toEqual(["", "ntf_9"]));
    expect(first.isCancelled()).toBe(true);
    expect(waits).toEqual([]);
    stream.stop();
  });

  it("forgets an id the server refuses (400) and starts from now", async () => {
    const first = standInStream();
    const { stream, opened } = harness([first, new ApiError(400, "bad-request", "Bad request", "Last-Event-ID must be an id this stream sent"), standInStream()]);
    stream.start();
    first.send("id: bogus\ndata: {}\n\n");
    await vi.waitFor(() => expect(stream.lastEventId).toBe("bogus"));
    first.end();
    await vi.waitFor(() => expect(opened).toEqual(["", "bogus", ""]));
    stream.stop();
  });

  it("stops for good: the body is cancelled and nothing reopens", async () => {
    const first = standInStream();
    const { stream, opened, waits } = harness([first, standInStream()]);
    stream.start();
    stream.start(); // one stream, however often it is started
    await vi.waitFor(() => expect(opened).toEqual([""]));
    stream.stop();
    await vi.waitFor(() => expect(first.isCancelled()).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(opened).toEqual([""]);
    expect(waits).toEqual([]);
  });

  it("caps the backoff at a minute", () => {
    expect(backoffDelay(30, 3000, 0.5)).toBe(MAX_RETRY_MS);
    expect(backoffDelay(0, 3000, 0)).toBe(2400);
  });
});
