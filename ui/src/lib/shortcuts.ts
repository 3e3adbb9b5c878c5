// Keyboard shortcuts for the call in front of the user, as Teams and Zoiper have them:
// Ctrl+Shift and a letter, shown in the buttons' tooltips.
import type { Appearance, Command } from "./types";

export const SHORTCUTS = {
  answer: "Ctrl+Shift+A",
  decline: "Ctrl+Shift+D",
  hangup: "Ctrl+Shift+H",
  mute: "Ctrl+Shift+M",
} as const;

const KEYS: Record<string, keyof typeof SHORTCUTS> = { KeyA: "answer", KeyD: "decline", KeyH: "hangup", KeyM: "mute" };

/** A button's tooltip: what it does, and its shortcut. */
export function withShortcut(label: string, action: keyof typeof SHORTCUTS): string {
  return `${label} (${SHORTCUTS[action]})`;
}

/** The command a key press asks for: on the first ringing call, or the live call here. */
export function shortcutCommand(event: KeyboardEvent, calls: Appearance[]): Command | null {
  if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return null;
  const action = KEYS[event.code];
  if (action === undefined) return null;
  const ringing = calls.find((call) => call.state === "ringing");
  const live = calls.find((call) => call.where === "here" && call.actions.includes("hangup"));
  switch (action) {
    case "answer":
      return ringing?.actions.includes("answer") ? { command: "answer", call: ringing.id } : null;
    case "decline":
      return ringing?.actions.includes("decline") ? { command: "decline", call: ringing.id } : null;
    case "hangup":
      return live ? { command: "hangup", call: live.id } : null;
    case "mute":
      if (live?.actions.includes("mute")) return { command: "mute", call: live.id };
      return live?.actions.includes("unmute") ? { command: "unmute", call: live.id } : null;
  }
}
