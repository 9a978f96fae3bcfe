/** The leads API (`/api/v1/leads`) as the console uses it: types and calls. */
import { useQuery } from "@tanstack/react-query";

import type { ApiClient, ApiPath } from "../../api/client";
import { uploadWithProgress, type UploadProgress } from "../../api/upload";
import { listUrl, useCursorList } from "../../api/useCursorList";
import { useSession } from "../../auth/session";
import type { FilterSpec, FilterValues } from "../../components/useUrlFilters";

export const STATUSES = ["new", "contacted", "qualified", "unqualified", "converted"] as const;
export const RATINGS = ["hot", "warm", "cold", "junk"] as const;
export const SOURCES = ["web", "referral", "campaign", "event", "cold_call", "social", "partner", "import", "other"] as const;
export const SORTS = ["-created_at", "created_at", "-updated_at", "-score", "score", "name"] as const;

export type LeadStatus = (typeof STATUSES)[number];
export type Rating = (typeof RATINGS)[number];
export type LeadSource = (typeof SOURCES)[number];

/** The list's filters as the URL and the API name them. */
export const LEAD_FILTERS = {
  q: null,
  status: STATUSES,
  rating: RATINGS,
  source: SOURCES,
  owner_id: null,
  tag: null,
  created_from: null,
  created_to: null,
  sort: SORTS,
} satisfies FilterSpec<string>;
export type LeadFilterName = keyof typeof LEAD_FILTERS;
export type LeadFilters = FilterValues<LeadFilterName>;

export interface ScoreReason {
  rule_id: string | null;
  name: string;
  points: number;
}

export interface Conversion {
  account_name: string | null;
  contact_id: string | null;
  account_id: string | null;
  deal_id: string | null;
  converted_at: string;
}

/** The fields a user edits. */
export interface LeadFields {
  first_name: string | null;
  last_name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  title: string | null;
  website: string | null;
  source: LeadSource;
  tags: string[];
  notes: string | null;
}

export interface Lead extends LeadFields {
  id: string;
  owner_id: string | null;
  status: LeadStatus;
  rating: Rating;
  score: number;
  score_reasons: ScoreReason[];
  unqualified_reason: string | null;
  converted: Conversion | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ScoreExplanation {
  score: number;
  rating: Rating;
  reasons: ScoreReason[];
  junk_flag: boolean;
  hot_threshold: number;
  warm_threshold: number;
  junk_below: number | null;
  up_to_date: boolean;
}

export interface ImportReport {
  rows: number;
  created: number;
  failed: number;
  duplicates: number;
  errors: { row: number; message: string }[];
  duplicate_rows: { row: number; email: string; existing_id: string | null }[];
}

export interface ConvertRequest {
  account_name?: string;
  /** An existing account (with its name in `account_name`). */
  account_id?: string;
  create_deal?: { name: string; amount: string; currency: string; expected_close_date?: string };
}

const LEADS: ApiPath = "/api/v1/leads";

/** The path of one lead (or one of its actions). */
export function leadPath(id: string, action = ""): ApiPath {
  return `${LEADS}/${encodeURIComponent(id)}${action ? `/${action}` : ""}`;
}

/** The API's query for the list's filters (the list and the export take the same). */
export function apiParams(filters: LeadFilters): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = { ...filters };
  for (const name of ["created_from", "created_to"] as const) {
    const day = filters[name];
    // a day picked in the form: from its start, or to its end, in UTC
    if (day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(day)) params[name] = `${day}T${name === "created_from" ? "00:00:00" : "23:59:59"}Z`;
  }
  return params;
}

export const PAGE_SIZE = "100";

/** The leads of the filters, page by page. */
export function useLeadList(filters: LeadFilters) {
  return useCursorList<Lead>(["leads", "list"], LEADS, { ...apiParams(filters), limit: PAGE_SIZE });
}

export function useLead(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ["leads", "one", id], queryFn: ({ signal }) => client.request<Lead>(leadPath(id), { signal }) });
}

export function useScoreExplanation(id: string, version: number) {
  const { client } = useSession();
  return useQuery({
    queryKey: ["leads", "score", id, version],
    queryFn: ({ signal }) => client.request<ScoreExplanation>(leadPath(id, "score"), { signal }),
  });
}

export function createLead(client: ApiClient, fields: Partial<LeadFields>): Promise<Lead> {
  return client.request<Lead>(LEADS, { method: "POST", json: fields });
}

/** Change fields; `version` guards against overwriting someone else's change (409). */
export function updateLead(client: ApiClient, lead: Lead, changes: Partial<LeadFields>): Promise<Lead> {
  return client.request<Lead>(leadPath(lead.id), { method: "PATCH", json: changes, headers: { "if-match": `"${lead.version}"` } });
}

export function changeStatus(client: ApiClient, lead: Lead, status: LeadStatus, reason?: string): Promise<Lead> {
  return client.request<Lead>(leadPath(lead.id, "status"), {
    method: "POST",
    json: reason ? { status, reason } : { status },
    headers: { "if-match": `"${lead.version}"` },
  });
}

export function assignLead(client: ApiClient, lead: Lead, ownerId: string): Promise<Lead> {
  return client.request<Lead>(leadPath(lead.id, "assign"), { method: "POST", json: { owner_id: ownerId } });
}

export function convertLead(client: ApiClient, lead: Lead, request: ConvertRequest): Promise<Lead> {
  return client.request<Lead>(leadPath(lead.id, "convert"), { method: "POST", json: request });
}

/** An import running in the background (`/leads/imports/{id}`). */
export interface ImportJob {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  /** The report so far (saved with every batch), or the final one. */
  report: ImportReport | null;
  /** Why a failed import stopped (an RFC 9457 problem's members). */
  problem: { status: number; slug: string; title: string; detail: string } | null;
}

const FINISHED = new Set<ImportJob["status"]>(["succeeded", "failed", "cancelled"]);

/** Upload a CSV as a background import (`Prefer: respond-async`): the queued job (or the
 * finished one, should a server answer the report at once). */
export async function startLeadImport(client: ApiClient, file: Blob, onProgress: (progress: UploadProgress) => void): Promise<ImportJob> {
  const answer = await uploadWithProgress<ImportJob | ImportReport>(client, `${LEADS}/import`, file, {
    contentType: "text/csv",
    headers: { prefer: "respond-async" },
    onProgress,
  });
  return "status" in answer ? answer : { id: "", status: "succeeded", report: answer, problem: null };
}

/** Cancel an import (its rows imported so far stay): the job as cancelled. */
export function cancelLeadImport(client: ApiClient, job: ImportJob): Promise<ImportJob> {
  return client.request<ImportJob>(`${LEADS}/imports/${encodeURIComponent(job.id)}`, { method: "DELETE" });
}

/** Poll an import until it finished, telling `onUpdate` each state it passes. */
export async function waitForImport(
  client: ApiClient,
  job: ImportJob,
  onUpdate: (job: ImportJob) => void,
  { intervalMs = 1000, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) } = {},
): Promise<ImportJob> {
  let current = job;
  onUpdate(current);
  while (!FINISHED.has(current.status)) {
    await sleep(intervalMs);
    current = await client.request<ImportJob>(`${LEADS}/imports/${encodeURIComponent(current.id)}`);
    onUpdate(current);
  }
  return current;
}

/** The CSV of every lead of the filters (the list's sort too). */
export function exportLeads(client: ApiClient, filters: LeadFilters) {
  return client.download(listUrl(`${LEADS}/export.csv`, apiParams(filters)));
}
