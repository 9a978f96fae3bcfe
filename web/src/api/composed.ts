/** Composed views of the gateway (customer 360, dashboard): each part answers on its own. */

/** One part of a composed view: its data, or why it is missing. */
export type ComposedSection<T> = { status: "ok"; data: T | null } | { status: "forbidden" | "unavailable"; reason?: string };
