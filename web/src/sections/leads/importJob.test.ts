import { describe, expect, it } from "vitest";

import type { ApiClient } from "../../api/client";
import { type ImportJob, waitForImport } from "./api";

const report = { rows: 3, created: 3, failed: 0, duplicates: 0, errors: [], duplicate_rows: [] };

function job(status: ImportJob["status"], rows = 0): ImportJob {
  return { id: "job_1", status, report: rows ? { ...report, rows, created: rows } : null, problem: null };
}

describe("waitForImport", () => {
  it("polls the job's URL until it finished, telling each state", async () => {
    const answers = [job("running", 1), job("running", 2), job("succeeded", 3)];
    const asked: string[] = [];
    const client = {
      request: async (path: string) => {
        asked.push(path);
        return answers.shift();
      },
    } as unknown as ApiClient;
    const seen: string[] = [];
    const slept: number[] = [];
    const finished = await waitForImport(client, job("queued"), (j) => seen.push(`${j.status}:${j.report?.rows ?? 0}`), {
      intervalMs: 250,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(finished.status).toBe("succeeded");
    expect(seen).toEqual(["queued:0", "running:1", "running:2", "succeeded:3"]);
    expect(asked).toEqual(["/api/v1/leads/imports/job_1", "/api/v1/leads/imports/job_1", "/api/v1/leads/imports/job_1"]);
    expect(slept).toEqual([250, 250, 250]);
  });

  it("does not poll a job that finished before the upload's answer", async () => {
    const client = { request: async () => Promise.reject(new Error("no poll expected")) } as unknown as ApiClient;
    const finished = await waitForImport(client, job("succeeded", 3), () => {});
    expect(finished.report?.created).toBe(3);
  });
});
