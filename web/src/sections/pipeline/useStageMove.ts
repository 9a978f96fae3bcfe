/**
 * Moving deals between stages: the board changes at once (optimistic), goes back when the
 * server refuses, and on a 409 (the deal changed meanwhile) shows the deal's fresh stage and
 * version and asks again. A move to a lost stage first asks for the reason.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ApiError } from "../../api/problem";
import { useSession } from "../../auth/session";
import { fetchDeal, keys, postStageMove } from "./api";
import { moveOnBoard } from "./board";
import type { Board, Deal, Stage } from "./types";

export interface MoveRequest {
  deal: Deal;
  to: Stage;
  lostReason: string | null;
}

/** What the user is asked: a lost reason, or whether to move a deal that changed meanwhile. */
export type MoveQuestion = { kind: "lost-reason"; deal: Deal; to: Stage } | { kind: "conflict"; deal: Deal; to: Stage; lostReason: string | null };

export function useStageMove(pipelineId: string | null) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const boardKey = keys.board(pipelineId);
  const [question, setQuestion] = useState<MoveQuestion | null>(null);
  const [done, setDone] = useState<{ deal: Deal; to: Stage } | null>(null);
  /** The last refusal was a 409 turned into a question (so it is not also an error). */
  const [asked, setAsked] = useState(false);

  const mutation = useMutation({
    mutationFn: ({ deal, to, lostReason }: MoveRequest) => postStageMove(client, deal, to.id, lostReason),
    onMutate: async ({ deal, to, lostReason }) => {
      setDone(null);
      setAsked(false);
      await queryClient.cancelQueries({ queryKey: boardKey });
      const previous = queryClient.getQueryData<Board>(boardKey);
      if (previous) queryClient.setQueryData<Board>(boardKey, moveOnBoard(previous, deal.id, to.id, lostReason));
      return { previous };
    },
    onError: async (error, request, context) => {
      if (context?.previous) queryClient.setQueryData(boardKey, context.previous);
      if (error instanceof ApiError && error.status === 409) {
        const fresh = await fetchDeal(client, request.deal.id).catch(() => null);
        if (fresh) {
          queryClient.setQueryData(keys.deal(fresh.id), fresh);
          setQuestion({ kind: "conflict", deal: fresh, to: request.to, lostReason: request.lostReason });
          setAsked(true);
        }
      }
    },
    onSuccess: (deal, { to }) => {
      queryClient.setQueryData(keys.deal(deal.id), deal);
      setDone({ deal, to });
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: boardKey });
      void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      void queryClient.invalidateQueries({ queryKey: ["deals"] });
    },
  });

  /** Start moving `deal` to `to` (asking for the reason first when `to` is a lost stage). */
  function move(deal: Deal, to: Stage) {
    if (deal.stage === to.id) return;
    mutation.reset();
    if (to.kind === "lost") setQuestion({ kind: "lost-reason", deal, to });
    else mutation.mutate({ deal, to, lostReason: null });
  }

  /** Answer the question: the lost reason, or yes to moving the changed deal. */
  function answer(lostReason: string | null) {
    if (question === null) return;
    setQuestion(null);
    const reason = question.kind === "lost-reason" ? lostReason : question.lostReason;
    mutation.mutate({ deal: question.deal, to: question.to, lostReason: reason });
  }

  return {
    move,
    answer,
    dismiss: () => setQuestion(null),
    question,
    pending: mutation.isPending ? mutation.variables : undefined,
    error: asked ? null : mutation.error,
    done,
  };
}
