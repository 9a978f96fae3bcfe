/** English strings (the reference: every other language has exactly these keys). */
const en = {
  app: {
    name: "CRM",
    skipToContent: "Skip to content",
    loading: "Loading…",
  },
  nav: {
    label: "Sections",
    dashboard: "Dashboard",
    leads: "Leads",
    contacts: "Contacts",
    accounts: "Accounts",
    pipeline: "Pipeline",
    cases: "Cases",
    campaigns: "Campaigns",
    settings: "Settings",
  },
  shell: {
    signedInAs: "Signed in as {{name}} ({{tenant}})",
    logout: "Log out",
    language: "Language",
  },
  languages: {
    en: "English",
    id: "Bahasa Indonesia",
  },
  login: {
    title: "Log in to the CRM",
    email: "E-mail",
    password: "Password",
    submit: "Log in",
    submitting: "Logging in…",
    sessionEnded: "Your session has ended. Please log in again.",
    loggedOut: "You have logged out.",
  },
  errors: {
    wrongCredentials: "The e-mail or the password is wrong.",
    throttled_one: "Too many failed attempts. Try again in {{count}} minute.",
    throttled_other: "Too many failed attempts. Try again in {{count}} minutes.",
    throttledSoon: "Too many requests. Wait a moment and try again.",
    unreachable: "The server cannot be reached. Check your connection, or try again shortly.",
    unavailable: "The service is temporarily unavailable. Try again shortly.",
    sessionEnded: "Your session has ended. Please log in again.",
    forbidden: "Your role does not allow this.",
    notFound: "This record does not exist, or it was deleted.",
    conflict: "This conflicts with the record's current state.",
    versionConflict: "Someone else changed this record meanwhile. Reload it and try again.",
    validation: "Some fields are not valid. Check them and try again.",
    tooLarge: "The file or the request is too large.",
    badRequest: "The request was not understood.",
    internal: "Something went wrong on the server. It has been logged; try again later.",
    unknown: "Something went wrong. Try again.",
    reference: "Reference: {{id}}",
  },
  fieldErrors: {
    required: "This field is required.",
    email: "Enter a valid e-mail address.",
    tooShort: "This is too short.",
    tooLong: "This is too long.",
  },
  dashboard: {
    title: "Dashboard",
    newLeads: "New leads this month",
    openCases: "Open cases",
    overdue: "{{count}} overdue",
    rating: {
      hot: "Hot",
      warm: "Warm",
      cold: "Cold",
    },
    forbidden: "Your role does not cover this figure.",
    unavailable: "Not available right now.",
    updated: "Updated {{time}}",
    noData: "Nothing yet.",
  },
  placeholder: {
    comingSoon: "This section is not in the console yet.",
    explanation: "It comes in a later version. Until then, everything it will show is available through the API at /api/docs.",
  },
  notFound: {
    title: "Page not found",
    back: "Go to the dashboard",
  },
};

export default en;

/** The shape of a translation of the strings `T`: the same keys, any text. */
export type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };
/** The shape every language's strings must have. */
export type Messages = Strings<typeof en>;
