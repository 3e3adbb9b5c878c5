// The shapes the app sends: `Status` (src-tauri/status.rs), the engine's `Snapshot`
// (crates/phone/src/snapshot.rs) and `AppError` (src-tauri/error.rs). Written by hand
// for now; keep them in step with the Rust types.

export type Phase = "choose_server" | "account" | "connecting" | "ready";

export interface AppError {
  code:
    | "server_unreachable"
    | "wrong_password"
    | "user_unknown"
    | "conflict"
    | "invalid"
    | "not_possible"
    | "no_such_call"
    | "refused"
    | "storage"
    | "not_signed_in"
    | "stopped";
  message: string;
}

export interface Status {
  phase: Phase;
  server: string | null;
  hosting: boolean;
  /** While the hosted server is shared on the LAN. */
  sharing: SharingView | null;
  email: string | null;
  device_name: string | null;
  error: AppError | null;
}

export interface SharingView {
  /** `https://ADDR:PORT` for each LAN address of this computer. */
  addresses: string[];
  /** The pairing link for the first address; null when no network is reachable. */
  link: string | null;
  /** The link as a QR code (SVG). */
  qr_svg: string | null;
}

export type CallState = "ringing" | "dialing" | "alerting" | "active" | "held" | "voicemail" | "ended";
export type Action =
  | "answer"
  | "decline"
  | "hangup"
  | "hold"
  | "resume"
  | "mute"
  | "unmute"
  | "pull"
  | "push"
  | "answer_on"
  | "hangup_remote"
  | "leave_message"
  | "discard";
export type EndReason = "hangup" | "cancelled" | "declined" | "noanswer" | "unavailable" | "failed";

export interface Appearance {
  id: string;
  subject: string | null;
  direction: "incoming" | "outgoing";
  peer: { email: string; display_name: string };
  state: CallState;
  /** "here", the name of another of my devices, or null. */
  where: string | null;
  started_at: string;
  answered_at: string | null;
  ended: { reason: EndReason | null; by_me: boolean; by_peer: boolean; at: string } | null;
  muted: boolean;
  /** Seconds of the voice message left after this unanswered call (recording or sent). */
  recorded_seconds: number | null;
  actions: Action[];
}

export interface Device {
  id: string;
  name: string;
  here: boolean;
}

export interface OnlineUser {
  email: string;
  display_name: string;
  url: string;
  devices: number;
}

export interface Snapshot {
  email: string;
  device_id: string;
  device_name: string;
  connected: boolean;
  devices: Device[];
  calls: Appearance[];
  online: OnlineUser[];
  unheard_messages: number;
  messages: Message[];
  voicemail: VoicemailView;
  auto_voicemail: boolean;
}

export interface Message {
  id: string;
  url: string;
  from: string;
  kind: "voice" | "text";
  text: string | null;
  duration_ms: number | null;
  audio_url: string | null;
  size: number | null;
  created_at: string;
  heard: boolean;
}

export type RecordingStage = "prompt" | "recording" | "sending" | "sent" | "failed" | "cancelled";
export type PlaybackSpeed = 1 | 1.5 | 2;
export type PlayerState = "loading" | "playing" | "paused" | "finished" | "failed";

export interface VoicemailView {
  recording: { to: string | null; call: string | null; stage: RecordingStage; recorded_ms: number; limit_ms: number; error: string | null } | null;
  playback: {
    message: string;
    state: PlayerState;
    playing: boolean;
    speed: PlaybackSpeed;
    position_ms: number;
    duration_ms: number;
    error: string | null;
  } | null;
}

/** What `execute` accepts (crates/phone/src/command.rs). */
export type Command =
  | { command: "dial"; to: string }
  | { command: "answer" | "decline" | "hangup" | "discard"; call: string | null }
  | { command: "auto_voicemail"; enabled: boolean }
  | { command: "hold" | "resume" | "mute" | "unmute" | "pull" | "hangup_remote"; call: string }
  | { command: "push" | "answer_on"; call: string; device: string }
  | { command: "dial_from"; device: string; to: string }
  | { command: "leave_message"; to: string; prompt: boolean }
  | { command: "record_greeting" | "clear_greeting" | "stop_recording" | "cancel_recording" }
  | { command: "pause_message" | "resume_message" | "stop_message" }
  | { command: "play_message" | "delete_message"; id: string }
  | { command: "seek_message"; position_ms: number }
  | { command: "speed_message"; speed: PlaybackSpeed }
  | { command: "mark_heard"; id: string; heard: boolean }
  | { command: "save_message"; id: string; file: string };
