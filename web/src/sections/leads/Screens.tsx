/** The leads section: list, new, import, and one lead. */
import "./leads.css";

import { Route, Routes } from "react-router";

import { LeadCreatePage } from "./LeadCreatePage";
import { LeadDetailPage } from "./LeadDetailPage";
import { LeadImportPage } from "./LeadImportPage";
import { LeadListPage } from "./LeadListPage";

export default function LeadScreens() {
  return (
    <Routes>
      <Route index element={<LeadListPage />} />
      <Route path="new" element={<LeadCreatePage />} />
      <Route path="import" element={<LeadImportPage />} />
      <Route path=":leadId" element={<LeadDetailPage />} />
    </Routes>
  );
}
