/**
 * Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * for a stream read with `fetch` (`EventSource` cannot send the `Authorization` header).
 * Text goes in as it arrives, in pieces of any size; whole events come out.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The last `id:` seen so far (it carries over to later events, as in `EventSource`). */
  id: string;
  /** `event:` (default `message`). */
  event: string;
  /** The `data:` lines joined with newlines. */
  data: string;
}

/** Parses the text of one stream; make a new parser for each connection. */
export class SseParser {
  /** The id of the last whole event (`Last-Event-ID` for a reconnection); empty before any. */
  lastEventId = "";
  /** The reconnection delay the server asked for (`retry:`), or null. */
  retryMs: number | null = null;
  private pending = "";
  private idBuffer = "";
  private event = "";
  private data: string[] = [];

  /** Feed decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.pending += text;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.pending.search(/\r\n|\r|\n/);
      // a lone `\r` at the end may be the first half of `\r\n`: wait for the next piece
      if (end === -1 || (end === this.pending.length - 1 && this.pending[end] === "\r")) break;
      const line = this.pending.slice(0, end);
      const breakLength = this.pending.startsWith("\r\n", end) ? 2 : 1;
      this.pending = this.pending.slice(end + breakLength);
      const event = this.line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.idBuffer = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  private dispatch(): SseEvent | null {
    // an id counts once its event is whole: a connection dropped mid-event resumes before it
    this.lastEventId = this.idBuffer;
    const data = this.data;
    const event = this.event;
    this.data = [];
    this.event = "";
    if (data.length === 0) return null;
    return { id: this.lastEventId, event: event || "message", data: data.join("\n") };
  }
}
