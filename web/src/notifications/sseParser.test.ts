import { describe, expect, it } from "vitest";

import { SseParser } from "./sseParser";

describe("SseParser", () => {
  it("reads the notification stream's frames: retry, comment, id, event, data", () => {
    const parser = new SseParser();
    const text = 'retry: 3000\n\n: keep-alive\n\nid: ntf_1\nevent: notification\ndata: {"title":"A"}\n\n';
    expect(parser.push(text)).toEqual([{ id: "ntf_1", event: "notification", data: '{"title":"A"}' }]);
    expect(parser.retryMs).toBe(3000);
    expect(parser.lastEventId).toBe("ntf_1");
  });

  it("joins data lines with newlines and defaults the event to message", () => {
    const parser = new SseParser();
    expect(parser.push("data: one\ndata:two\ndata\n\n")).toEqual([{ id: "", event: "message", data: "one\ntwo\n" }]);
  });

  it("completes events across pieces split anywhere, including inside CRLF", () => {
    const text = "id: 7\r\nevent: notification\r\ndata: hello\r\n\r\nid: 8\rdata: again\r\r\n";
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { id: "7", event: "notification", data: "hello" },
        { id: "8", event: "message", data: "again" },
      ]);
    }
  });

  it("sends nothing for an event without data, but keeps its id; the id carries over", () => {
    const parser = new SseParser();
    expect(parser.push("id: 5\nevent: notification\n\n")).toEqual([]);
    expect(parser.lastEventId).toBe("5");
    expect(parser.push("data: x\n\n")).toEqual([{ id: "5", event: "message", data: "x" }]);
  });

  it("keeps an incomplete event until its blank line arrives", () => {
    const parser = new SseParser();
    expect(parser.push("id: 1\ndata: x\n")).toEqual([]);
    expect(parser.lastEventId, "not yet: a drop now must replay this event").toBe("");
    expect(parser.push("\n")).toEqual([{ id: "1", event: "message", data: "x" }]);
    expect(parser.lastEventId).toBe("1");
  });

  it("ignores unknown fields, a non-numeric retry and an id holding NUL", () => {
    const parser = new SseParser();
    expect(parser.push("retry: 1s\nid: a\0b\nfoo: bar\ndata:  two spaces\n\n")).toEqual([
      { id: "", event: "message", data: " two spaces" },
    ]);
    expect(parser.retryMs).toBeNull();
  });
});
