/** Bahasa Indonesia. */
import type { Messages } from "./en";

const id: Messages = {
  app: {
    name: "CRM",
    skipToContent: "Langsung ke konten",
    loading: "Memuat…",
  },
  nav: {
    label: "Bagian",
    dashboard: "Dasbor",
    leads: "Prospek",
    contacts: "Kontak",
    accounts: "Akun",
    pipeline: "Pipeline",
    cases: "Kasus",
    campaigns: "Kampanye",
    settings: "Pengaturan",
  },
  shell: {
    signedInAs: "Masuk sebagai {{name}} ({{tenant}})",
    logout: "Keluar",
    language: "Bahasa",
  },
  languages: {
    en: "English",
    id: "Bahasa Indonesia",
  },
  login: {
    title: "Masuk ke CRM",
    email: "E-mail",
    password: "Kata sandi",
    submit: "Masuk",
    submitting: "Sedang masuk…",
    sessionEnded: "Sesi Anda telah berakhir. Silakan masuk kembali.",
    loggedOut: "Anda telah keluar.",
  },
  errors: {
    wrongCredentials: "E-mail atau kata sandi salah.",
    throttled_one: "Terlalu banyak percobaan gagal. Coba lagi dalam {{count}} menit.",
    throttled_other: "Terlalu banyak percobaan gagal. Coba lagi dalam {{count}} menit.",
    throttledSoon: "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.",
    unreachable: "Server tidak dapat dihubungi. Periksa koneksi Anda, atau coba lagi sebentar lagi.",
    unavailable: "Layanan sedang tidak tersedia. Coba lagi sebentar lagi.",
    sessionEnded: "Sesi Anda telah berakhir. Silakan masuk kembali.",
    forbidden: "Peran Anda tidak mengizinkan tindakan ini.",
    notFound: "Data ini tidak ada, atau sudah dihapus.",
    conflict: "Permintaan ini bertentangan dengan keadaan data saat ini.",
    versionConflict: "Orang lain telah mengubah data ini. Muat ulang lalu coba lagi.",
    validation: "Beberapa isian tidak valid. Periksa lalu coba lagi.",
    tooLarge: "Berkas atau permintaan terlalu besar.",
    badRequest: "Permintaan tidak dapat dipahami.",
    internal: "Terjadi kesalahan di server. Kesalahan sudah dicatat; coba lagi nanti.",
    unknown: "Terjadi kesalahan. Coba lagi.",
    reference: "Referensi: {{id}}",
  },
  fieldErrors: {
    required: "Isian ini wajib diisi.",
    email: "Masukkan alamat e-mail yang valid.",
    tooShort: "Isian ini terlalu pendek.",
    tooLong: "Isian ini terlalu panjang.",
  },
  dashboard: {
    title: "Dasbor",
    newLeads: "Prospek baru bulan ini",
    openCases: "Kasus terbuka",
    overdue: "{{count}} lewat tenggat",
    rating: {
      hot: "Panas",
      warm: "Hangat",
      cold: "Dingin",
    },
    forbidden: "Peran Anda tidak mencakup angka ini.",
    unavailable: "Belum tersedia saat ini.",
    updated: "Diperbarui {{time}}",
    noData: "Belum ada data.",
  },
  placeholder: {
    comingSoon: "Bagian ini belum ada di konsol.",
    explanation: "Bagian ini hadir di versi berikutnya. Sementara itu, semua isinya tersedia melalui API di /api/docs.",
  },
  notFound: {
    title: "Halaman tidak ditemukan",
    back: "Ke dasbor",
  },
};

export default id;
