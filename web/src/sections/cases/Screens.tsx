/** The cases section: the list, a new case, one case. */
import { Route, Routes } from "react-router";

import { useSession } from "../../auth/session";
import "../../components/recordPages.css";
import "./cases.css";
import { CaseDetail } from "./CaseDetail";
import { CaseList } from "./CaseList";
import { NewCase } from "./NewCase";
import { canWriteCases } from "./permissions";

export default function CaseScreens() {
  const { user } = useSession();
  return (
    <Routes>
      <Route index element={<CaseList />} />
      {user && canWriteCases(user) && <Route path="new" element={<NewCase />} />}
      <Route path=":caseId" element={<CaseDetail />} />
    </Routes>
  );
}
