/**
 * Where the console keeps its tokens.
 *
 * The access token (15 minutes) lives only in memory: nothing on disk, gone with the page.
 * The refresh token must survive a page reload, and the public API takes it in a JSON body
 * (no HttpOnly cookie that script cannot read), so it is kept in `sessionStorage`:
 * - it survives a reload of the tab but not closing it, and is not shared with other tabs
 *   (unlike `localStorage`), which keeps its lifetime and reach short;
 * - script injected into the page could read it, as it could read anything the page holds;
 *   the console's defence is not to run injected script: the gateway serves it with a
 *   strict Content-Security-Policy (`script-src 'self'`, no inline script, no eval), and
 *   React escapes every value it renders;
 * - each refresh token works once: a stolen one that is used makes the console's next
 *   refresh a reuse, which ends the whole session on the server.
 */

const REFRESH_KEY = "crm.refresh_token";

/** The tokens the log-in and refresh routes answer with. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

type Listener = () => void;

/** Holds the access token in memory and the refresh token in `sessionStorage`. */
export class TokenStore {
  private access: string | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: Storage) {}

  get accessToken(): string | null {
    return this.access;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  /** Keep a new pair (the refresh token at once, so a reload right after uses the new one). */
  set(tokens: TokenPair): void {
    this.storage.setItem(REFRESH_KEY, tokens.refresh_token);
    this.access = tokens.access_token;
    this.emit();
  }

  /** Forget both tokens (log-out, or a session the server ended). */
  clear(): void {
    this.storage.removeItem(REFRESH_KEY);
    this.access = null;
    this.emit();
  }

  /** Call `listener` whenever the tokens change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
