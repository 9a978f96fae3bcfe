/** The deals service's bodies the pipeline screens read (`/api/v1/pipelines`, `/api/v1/deals`). */

import type { Stage, StageKind } from "../../api/pipelines";

export type { Pipeline, Stage, StageKind } from "../../api/pipelines";

export interface StageHistoryEntry {
  from_stage: string | null;
  to_stage: string;
  at: string;
  by: string;
  reopened: boolean;
}

export interface DealContact {
  contact_id: string;
  role: string;
  name: string | null;
  email: string | null;
}

export interface Deal {
  id: string;
  name: string;
  pipeline_id: string;
  stage: string;
  status: StageKind;
  /** A decimal string. */
  amount: string;
  currency: string;
  probability: number;
  expected_close_date: string | null;
  contacts: DealContact[];
  account_id: string | null;
  owner_id: string | null;
  lost_reason: string | null;
  closed_at: string | null;
  stage_history: StageHistoryEntry[];
  version: number;
  created_at: string;
}

/** Count, amount and weighted amount (decimal strings) in one currency. */
export interface Tally {
  currency: string;
  count: number;
  amount: string;
  weighted: string;
}

export interface BoardColumn extends Stage {
  count: number;
  totals: Tally[];
  deals: Deal[];
  /** Continues the column at `GET /api/v1/deals?pipeline_id=&stage=&cursor=`. */
  next_cursor: string | null;
}

export interface Board {
  pipeline_id: string;
  name: string;
  stages: BoardColumn[];
}

export type { CursorPage as Page } from "../../api/useCursorList";
