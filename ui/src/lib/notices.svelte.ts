// Invitations and messages as they arrive: each shown as a toast for a few seconds, then
// gone (the messages themselves stay in Chat or the inbox).
import type { Notice } from "./types";

export type Toast = { id: number; text: string };

let shown = $state<Toast[]>([]);
let next = 0;

export const notices = {
  get shown() {
    return shown;
  },
  dismiss(id: number) {
    shown = shown.filter((toast) => toast.id !== id);
  },
};

/** What a notice says in a toast; nothing for news that needs none (heard, deleted). */
function text(notice: Notice): string | null {
  if ("invite" in notice) {
    const invite = notice.invite as { from?: unknown; url?: unknown };
    return `${String(invite.from ?? "Someone")} invites you to ${String(invite.url ?? "something")}`;
  }
  const message = notice.message;
  if (message.deleted || message.heard) return null;
  return message.kind === "voice" ? `New voice message from ${message.from}` : `New message from ${message.from}`;
}

export function arrived(notice: Notice) {
  const said = text(notice);
  if (said === null) return;
  const id = next++;
  shown = [...shown, { id, text: said }];
  setTimeout(() => notices.dismiss(id), 8000);
}
