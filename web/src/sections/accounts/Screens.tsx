/** The accounts section: the list and one account. */
import { Route, Routes } from "react-router";

import "../../components/recordPages.css";
import "../contacts/contacts.css";
import { AccountDetail } from "./AccountDetail";
import { AccountList } from "./AccountList";

export default function AccountScreens() {
  return (
    <Routes>
      <Route index element={<AccountList />} />
      <Route path=":accountId" element={<AccountDetail />} />
    </Routes>
  );
}
