/** The notification bell's strings, in English and Bahasa Indonesia. */
import { defineSectionStrings } from "../i18n/sectionStrings";

const en = {
  bell: "Notifications",
  bellUnread_one: "Notifications, {{count}} unread",
  bellUnread_other: "Notifications, {{count}} unread",
  bellManyUnread: "Notifications, more than 999 unread",
  title: "Notifications",
  markAllRead: "Mark all read",
  markRead: "Mark read",
  unread: "Unread",
  empty: "No notifications yet. You hear here when a lead is assigned to you, one of your deals moves, or an urgent case opens.",
  announceOne: "New notification: {{title}}",
  announceMany: "{{count}} new notifications",
  kinds: {
    lead_assigned: "Lead assigned to you",
    deal_stage_changed: "Deal moved to {{stage}}",
    case_urgent: "Urgent case opened",
  },
};

const id = {
  bell: "Notifikasi",
  bellUnread_one: "Notifikasi, {{count}} belum dibaca",
  bellUnread_other: "Notifikasi, {{count}} belum dibaca",
  bellManyUnread: "Notifikasi, lebih dari 999 belum dibaca",
  title: "Notifikasi",
  markAllRead: "Tandai semua sudah dibaca",
  markRead: "Tandai sudah dibaca",
  unread: "Belum dibaca",
  empty: "Belum ada notifikasi. Anda diberi tahu di sini saat prospek ditugaskan kepada Anda, salah satu kesepakatan Anda berpindah tahap, atau kasus mendesak dibuka.",
  announceOne: "Notifikasi baru: {{title}}",
  announceMany: "{{count}} notifikasi baru",
  kinds: {
    lead_assigned: "Prospek ditugaskan kepada Anda",
    deal_stage_changed: "Kesepakatan dipindah ke {{stage}}",
    case_urgent: "Kasus mendesak dibuka",
  },
};

export const NOTIFICATION_STRINGS = defineSectionStrings(en, id);
export const NAMESPACE = "notifications";
