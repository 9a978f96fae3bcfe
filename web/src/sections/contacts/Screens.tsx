/** The contacts section: the list and a contact's 360° view. */
import { Route, Routes } from "react-router";

import "../../components/recordPages.css";
import "./contacts.css";
import { ContactDetail } from "./ContactDetail";
import { ContactList } from "./ContactList";

export default function ContactScreens() {
  return (
    <Routes>
      <Route index element={<ContactList />} />
      <Route path=":contactId" element={<ContactDetail />} />
    </Routes>
  );
}
