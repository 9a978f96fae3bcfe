/** The pipeline section: the board, the deals behind a figure, and one deal. */
import { Route, Routes } from "react-router";

import BoardPage from "./BoardPage";
import DealListPage from "./DealListPage";
import DealPage from "./DealPage";

import "./pipeline.css";

export default function PipelineScreens() {
  return (
    <Routes>
      <Route index element={<BoardPage />} />
      <Route path="deals" element={<DealListPage />} />
      <Route path="deals/:dealId" element={<DealPage />} />
    </Routes>
  );
}
