/** The signed-in user, shared with every screen, and the actions that change it. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";

import type { ApiClient } from "../api/client";
import type { TokenStore } from "../api/tokenStore";
import { type SignedInUser, userFromToken } from "./claims";

export interface Session {
  client: ApiClient;
  /** Null when nobody is signed in. */
  user: SignedInUser | null;
  /** False until a kept session was resumed (or found absent) after the page loaded. */
  resumed: boolean;
  /** The server ended the session (refresh refused), as opposed to a log-out. */
  ended: boolean;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** Provides the session; resumes a kept one once, when mounted. */
export function SessionProvider({ client, store, children }: { client: ApiClient; store: TokenStore; children: ReactNode }) {
  const queryClient = useQueryClient();
  const subscribe = useCallback((listener: () => void) => store.subscribe(listener), [store]);
  const access = useSyncExternalStore(subscribe, () => store.accessToken);
  const user = useMemo(() => (access === null ? null : userFromToken(access)), [access]);
  const [resumed, setResumed] = useState(false);
  const [ended, setEnded] = useState(false);
  const loggingOut = useRef(false);
  const wasSignedIn = useRef(false);

  useEffect(() => {
    let active = true;
    client
      .resume()
      .catch(() => false) // server down: the log-in page says so when the user tries
      .finally(() => {
        if (active) setResumed(true);
      });
    return () => {
      active = false;
    };
  }, [client]);

  useEffect(() => {
    if (user !== null) {
      wasSignedIn.current = true;
      setEnded(false);
      return;
    }
    if (wasSignedIn.current) {
      queryClient.clear(); // the next user must not see this one's data
      setEnded(!loggingOut.current);
    }
    wasSignedIn.current = false;
    loggingOut.current = false;
  }, [user, queryClient]);

  const login = useCallback((email: string, password: string) => client.login(email, password), [client]);
  const logout = useCallback(async () => {
    loggingOut.current = true;
    await client.logout();
  }, [client]);

  const value = useMemo(() => ({ client, user, resumed, ended, login, logout }), [client, user, resumed, ended, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session of the provider above. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside SessionProvider");
  return session;
}
