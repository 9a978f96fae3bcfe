/** The campaigns section: campaigns (list, new, one, edit), segments (list, builder) and
 * automations (list, editor with runs). */
import { Route, Routes } from "react-router";

import { useSession } from "../../auth/session";
import "../../components/recordPages.css";
import "./campaigns.css";
import { AutomationEditor } from "./AutomationEditor";
import { AutomationList } from "./AutomationList";
import { CampaignDetail } from "./CampaignDetail";
import { CampaignForm } from "./CampaignForm";
import { CampaignList } from "./CampaignList";
import { canWriteMarketing } from "./permissions";
import { SegmentBuilder } from "./SegmentBuilder";
import { SegmentList } from "./SegmentList";

export default function CampaignScreens() {
  const { user } = useSession();
  const writer = canWriteMarketing(user);
  return (
    <Routes>
      <Route index element={<CampaignList />} />
      {writer && <Route path="new" element={<CampaignForm />} />}
      <Route path="segments" element={<SegmentList />} />
      {writer && <Route path="segments/new" element={<SegmentBuilder />} />}
      <Route path="segments/:segmentId" element={<SegmentBuilder />} />
      <Route path="automations" element={<AutomationList />} />
      {writer && <Route path="automations/new" element={<AutomationEditor />} />}
      <Route path="automations/:automationId" element={<AutomationEditor />} />
      <Route path=":campaignId" element={<CampaignDetail />} />
      {writer && <Route path=":campaignId/edit" element={<CampaignForm edit />} />}
    </Routes>
  );
}
