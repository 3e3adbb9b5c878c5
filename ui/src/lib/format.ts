import type { Appearance, EndReason } from "./types";

/** "0:07", "12:34", "1:02:03". */
export function duration(fromIso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

const endings: Record<EndReason, string> = {
  hangup: "Ended",
  cancelled: "Cancelled",
  declined: "Declined",
  noanswer: "No answer",
  unavailable: "Unavailable",
  failed: "Failed",
};

export function stateLabel(call: Appearance): string {
  switch (call.state) {
    case "ringing":
      return "Incoming call";
    case "dialing":
      return "Calling…";
    case "alerting":
      return "Ringing…";
    case "active":
      return "In call";
    case "held":
      return "On hold";
    case "voicemail":
      return "Leaving a message";
    case "ended":
      return call.ended?.reason ? endings[call.ended.reason] : "Ended";
  }
}

/** "on this device", "on Desk", or nothing. */
export function whereLabel(call: Appearance): string {
  if (call.where === null) return "";
  return call.where === "here" ? "on this device" : `on ${call.where}`;
}

export function initials(name: string): string {
  const words = name.trim().split(/[\s@._-]+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0]?.[0] ?? "?")).toUpperCase();
}

/** A length in milliseconds as "0:07" or "12:34". */
export function length(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** "14:05" today, "3 Dec 14:05" before. */
export function when(iso: string, now: number): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return at.toDateString() === new Date(now).toDateString() ? time : `${at.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}
