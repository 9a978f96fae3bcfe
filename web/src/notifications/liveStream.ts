/**
 * Keeps one Server-Sent Events stream open: reads it as it arrives, and after a drop
 * reconnects with `Last-Event-ID` (so the server replays what was missed), waiting the
 * server's `retry:` hint, longer after each failed attempt. `reconnect()` reopens at once
 * (after a token refresh: the new connection carries the new token).
 */
import { ApiError } from "../api/problem";
import { type SseEvent, SseParser } from "./sseParser";

/** Opens the stream, after `lastEventId` (empty: from now on). */
export type OpenStream = (lastEventId: string, signal: AbortSignal) => Promise<Response>;

/** Resolves after `ms`, or as soon as `signal` aborts. */
export type Wait = (ms: number, signal: AbortSignal) => Promise<void>;

export interface LiveStreamOptions {
  open: OpenStream;
  /** The events of one piece of the stream (a replay after reconnecting may bring many). */
  onEvents: (events: SseEvent[]) => void;
  /** Each time a connection opens (something may have happened while there was none). */
  onOpen?: () => void;
  wait?: Wait;
  /** In [0, 1): spreads reconnections of many tabs apart. */
  random?: () => number;
}

export const DEFAULT_RETRY_MS = 3000;
export const MAX_RETRY_MS = 60_000;

/** The wait before the next attempt: the server's hint after a connection that worked,
 * doubling with each failed attempt up to a minute, give or take a fifth. */
export function backoffDelay(failures: number, retryMs: number, random: number): number {
  return Math.min(MAX_RETRY_MS, retryMs * 2 ** Math.min(failures, 16)) * (0.8 + 0.4 * random);
}

const sleep: Wait = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export class LiveStream {
  /** The id of the last event received (sent as `Last-Event-ID` on reconnecting). */
  lastEventId = "";
  private retryMs = DEFAULT_RETRY_MS;
  private stopped = false;
  private running = false;
  private attempt: AbortController | null = null;
  private readonly wait: Wait;
  private readonly random: () => number;

  constructor(private readonly options: LiveStreamOptions) {
    this.wait = options.wait ?? sleep;
    this.random = options.random ?? Math.random;
  }

  /** Open the stream and keep it open until `stop()` (a second call does nothing). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  /** Close the stream for good. */
  stop(): void {
    this.stopped = true;
    this.attempt?.abort();
  }

  /** Drop the connection (or the wait for the next one) and open a new one now. */
  reconnect(): void {
    this.attempt?.abort();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const attempt = new AbortController();
      this.attempt = attempt;
      let opened = false;
      try {
        const response = await this.options.open(this.lastEventId, attempt.signal);
        opened = true;
        failures = 0;
        this.options.onOpen?.();
        await this.read(response, attempt.signal);
      } catch (error) {
        // the id is one the server does not know (a 400): start from now instead
        if (error instanceof ApiError && error.status === 400) this.lastEventId = "";
      }
      if (attempt.signal.aborted) continue; // reconnect() or stop(): no waiting
      if (!opened) failures += 1;
      await this.wait(backoffDelay(failures, this.retryMs, this.random()), attempt.signal);
    }
  }

  private async read(response: Response, signal: AbortSignal): Promise<void> {
    if (response.body === null) return;
    const reader = response.body.getReader();
    const cancel = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener("abort", cancel, { once: true });
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) return;
        const events = parser.push(decoder.decode(value, { stream: true }));
        if (parser.retryMs !== null) this.retryMs = parser.retryMs;
        if (parser.lastEventId !== "") this.lastEventId = parser.lastEventId;
        if (events.length > 0) this.options.onEvents(events);
      }
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  }
}
