/** The accounts section's strings. */
import { defineSectionStrings } from "../../i18n/sectionStrings";

const en = {
  list: {
    title: "Accounts",
    search: "Search by name or domain",
    type: "Type",
    anyType: "All types",
    caption: "Accounts, newest first",
    name: "Name",
    industry: "Industry",
    created: "Created",
    noMatch: "No account matches. Change the search or the filter.",
    empty: "No accounts yet. Converting a lead with a company creates one; accounts can also be imported through the API.",
  },
  detail: {
    back: "All accounts",
    domain: "Domain",
    website: "Website",
    industry: "Industry",
    employees: "Employees",
    revenue: "Annual revenue",
    phone: "Phone",
    contacts: "Contacts",
    noContacts: "No contacts belong to this account yet.",
  },
  more: { load: "Load more", loading: "Loading more…" },
};

export const STRINGS = defineSectionStrings(en, {
  list: {
    title: "Akun",
    search: "Cari berdasarkan nama atau domain",
    type: "Jenis",
    anyType: "Semua jenis",
    caption: "Akun, terbaru lebih dulu",
    name: "Nama",
    industry: "Industri",
    created: "Dibuat",
    noMatch: "Tidak ada akun yang cocok. Ubah pencarian atau filternya.",
    empty: "Belum ada akun. Mengonversi prospek dengan perusahaan akan membuatnya; akun juga dapat diimpor lewat API.",
  },
  detail: {
    back: "Semua akun",
    domain: "Domain",
    website: "Situs web",
    industry: "Industri",
    employees: "Karyawan",
    revenue: "Pendapatan tahunan",
    phone: "Telepon",
    contacts: "Kontak",
    noContacts: "Belum ada kontak di akun ini.",
  },
  more: { load: "Muat lagi", loading: "Memuat…" },
});
