/** The log-in form: e-mail and password, with errors a user understands. */
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation, useNavigate } from "react-router";

import { useSession } from "../auth/session";
import { describeError, describeFieldError, fieldErrorsByName } from "../i18n/describeError";
import { LanguageSwitcher } from "../shell/LanguageSwitcher";

/** Marked when the log-in succeeded (the e2e test times the dashboard from here). */
export const LOGGED_IN_MARK = "crm:logged-in";

interface LoginState {
  from?: string;
  loggedOut?: boolean;
}

export function LoginPage() {
  const { t } = useTranslation();
  const { user, ended, login } = useSession();
  const navigate = useNavigate();
  const state = (useLocation().state ?? {}) as LoginState;
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (user !== null && !busy) return <Navigate to={state.from ?? "/"} replace />;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      performance.mark(LOGGED_IN_MARK);
      await navigate(state.from ?? "/", { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const fields = fieldErrorsByName(error);
  const notice = ended ? t("login.sessionEnded") : state.loggedOut ? t("login.loggedOut") : null;
  const fieldMessage = (name: string) => {
    const found = fields[name];
    return found ? describeFieldError(found, t) : null;
  };
  const emailError = fieldMessage("email");
  const passwordError = fieldMessage("password");

  return (
    <main id="main" className="login">
      <div className="login-card">
        <LanguageSwitcher />
        <h1>{t("login.title")}</h1>
        {notice && <p className="notice" role="status">{notice}</p>}
        {error !== null && (
          <p className="error" role="alert">
            {describeError(error, t, { login: true })}
          </p>
        )}
        <form onSubmit={(event) => void onSubmit(event)} noValidate>
          <label htmlFor="login-email">{t("login.email")}</label>
          <input
            id="login-email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            aria-invalid={emailError !== null}
            aria-describedby={emailError ? "login-email-error" : undefined}
          />
          {emailError && (
            <p id="login-email-error" className="field-error">
              {emailError}
            </p>
          )}
          <label htmlFor="login-password">{t("login.password")}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={passwordError !== null}
            aria-describedby={passwordError ? "login-password-error" : undefined}
          />
          {passwordError && (
            <p id="login-password-error" className="field-error">
              {passwordError}
            </p>
          )}
          <button type="submit" className="button" disabled={busy}>
            {busy ? t("login.submitting") : t("login.submit")}
          </button>
        </form>
      </div>
    </main>
  );
}
