// Generated from the Rust types by src-tauri/ipc_types.rs: do not edit.

export type Action = "answer" | "decline" | "hangup" | "hold" | "resume" | "mute" | "unmute" | "pull" | "push" | "answer_on" | "hangup_remote" | "leave_message" | "discard";

export type AppError = { code: ErrorCode, message: string, };

export type Appearance = { id: string, subject: string | null, direction: Direction, peer: Peer, state: AppearanceState, 
/**
 * "here", the name of another of my devices, or null.
 */
where: string | null, started_at: string, answered_at: string | null, ended: Ended | null, muted: boolean, 
/**
 * Seconds of the voice message left after this call went unanswered (while it
 * records and once sent); null otherwise.
 */
recorded_seconds: number | null, actions: Array<Action>, };

export type AppearanceState = "ringing" | "dialing" | "alerting" | "active" | "held" | "voicemail" | "ended";

/**
 * What Settings shows: the devices there are, and the ones chosen (`None`: the default).
 */
export type AudioChoices = { inputs: Array<AudioDeviceInfo>, outputs: Array<AudioDeviceInfo>, input: string | null, output: string | null, ringtone: RingtoneSettings, };

/**
 * One device that can be opened at 48 kHz.
 */
export type AudioDeviceInfo = { 
/**
 * What [`SystemInput::open`] or [`SystemOutput::open`] takes: the audio system's own
 * stable identifier, such as ALSA's `default`, `pulse` or `plughw:CARD=0,DEV=0`.
 */
name: string, 
/**
 * A name for people, such as "PulseAudio Sound Server"; several devices may share one.
 */
description: string, 
/**
 * Whether this is the device opened when no name is given.
 */
is_default: boolean, };

/**
 * Which way audio flows through a device.
 */
export type AudioDirection = "input" | "output";

export type CallQuality = { 
/**
 * Whether audio from the peer arrived in the window ("no audio" when false).
 */
receiving: boolean, 
/**
 * ICE round trip to the peer, when one has been measured.
 */
round_trip_ms: number | null, 
/**
 * Share of expected packets that never arrived in time, over the window.
 */
loss_percent: number, 
/**
 * Interarrival jitter estimate.
 */
jitter_ms: number, 
/**
 * Share of played frames that were concealed or rebuilt from FEC, over the window.
 */
concealed_percent: number, grade: Grade, 
/**
 * The echo canceller's figures, while it runs on this device's microphone.
 */
echo: EchoStats | null, };

/**
 * `call` is a server call id; `device` is the name or id of another of my devices.
 */
export type Command = { "command": "dial", to: string, } | { "command": "answer", call: string | null, } | { "command": "decline", call: string | null, } | { "command": "hangup", call: string | null, } | { "command": "discard", call: string | null, } | { "command": "auto_voicemail", enabled: boolean, } | { "command": "hold", call: string, } | { "command": "resume", call: string, } | { "command": "mute", call: string, } | { "command": "unmute", call: string, } | { "command": "pull", call: string, } | { "command": "push", call: string, device: string, } | { "command": "answer_on", call: string, device: string, } | { "command": "dial_from", device: string, to: string, } | { "command": "hangup_remote", call: string, } | { "command": "message", to: string, text: string, } | { "command": "set_session", call: string, session: string, } | { "command": "invite", to: string, url: string, } | { "command": "leave_message", to: string, prompt: boolean, } | { "command": "record_greeting" } | { "command": "clear_greeting" } | { "command": "stop_recording" } | { "command": "cancel_recording" } | { "command": "play_message", id: string, } | { "command": "pause_message" } | { "command": "resume_message" } | { "command": "seek_message", position_ms: number, } | { "command": "speed_message", speed: PlaybackSpeed, } | { "command": "stop_message" } | { "command": "mark_heard", id: string, heard: boolean, } | { "command": "delete_message", id: string, } | { "command": "see_missed_calls" } | { "command": "search", text: string, } | { "command": "rename_device", name: string, } | { "command": "sign_out_device", device: string, } | { "command": "change_password", current: string, new: string, } | { "command": "set_display_name", name: string, } | { "command": "do_not_disturb", enabled: boolean, } | { "command": "save_message", id: string, file: string, };

export type DeviceView = { id: string, name: string, here: boolean, 
/**
 * When it last registered or refreshed its registration.
 */
last_seen: string, };

export type Direction = "incoming" | "outgoing";

/**
 * How well the echo canceller is doing.
 */
export type EchoStats = { 
/**
 * Echo return loss enhancement: how much quieter the canceller's linear filter makes
 * the echo, in dB (the suppressor after it takes the rest away).
 */
erle_db: number, 
/**
 * Whether the canceller has found the echo path: an ERLE of at least 10 dB. A headset,
 * with no echo to find, stays unconverged, which is harmless.
 */
converged: boolean, };

export type EndReason = "hangup" | "cancelled" | "declined" | "noanswer" | "unavailable" | "failed";

export type Ended = { 
/**
 * Null when the call vanished from the server before this device saw how it ended.
 */
reason: EndReason | null, 
/**
 * Ended by my account, from whichever of my devices.
 */
by_me: boolean, by_peer: boolean, at: string, };

export type ErrorCode = "server_unreachable" | "wrong_password" | "user_unknown" | "conflict" | "invalid" | "not_possible" | "no_such_call" | "refused" | "storage" | "not_signed_in" | "stopped";

/**
 * Good: nobody notices. Fair: audible now and then. Poor: hard to follow.
 */
export type Grade = "good" | "fair" | "poor";

/**
 * How the app lives on the desktop.
 */
export type Habits = { 
/**
 * Closing the window quits; otherwise (the default) the app stays in the tray and
 * calls still ring.
 */
quit_on_close: boolean, 
/**
 * Start hidden in the tray when the user logs in to the desktop.
 */
start_at_login: boolean, };

/**
 * One ended call, as one participant keeps it.
 */
export type HistoryEntry = { 
/**
 * Grows with every entry: pages go back with `before={id}`.
 */
id: number, 
/**
 * The call's id (`/call/{id}` is gone once the call is forgotten).
 */
call: string, direction: Direction, peer: Peer, subject: string | null, started_at: string, answered_at: string | null, ended_at: string, reason: EndReason, 
/**
 * An incoming call nobody here answered or declined.
 */
missed: boolean, 
/**
 * The name of my device that had the call last, if one did.
 */
device: string | null, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

/**
 * What an opened link asks for, until the window takes it.
 */
export type Link = { "kind": "dial", to: string, } | { "kind": "pair", url: string, };

/**
 * One message, as its owner lists it.
 */
export type Message = { id: string, url: string, 
/**
 * The sender's email.
 */
from: string, 
/**
 * Whose mailbox it was left in: the owner's, or for my copy of a text I sent, the
 * recipient's.
 */
to: string, kind: MessageKind, text: string | null, 
/**
 * For voice: the playable length, and where to fetch it (supports Range).
 */
duration_ms: number | null, audio_url: string | null, size: number | null, created_at: string, heard: boolean, };

export type MessageKind = "voice" | "text";

/**
 * Data of a `message` event: a message arrived, was marked heard or unheard, or was
 * deleted, so every device keeps the same waiting count.
 */
export type MessageNotice = { id: string, url: string, from: string, kind: MessageKind, created_at: string, heard: boolean, deleted: boolean, };

/**
 * What arrives for the user besides call state: shown, not kept.
 */
export type Notice = { "invite": JsonValue } | { "message": MessageNotice };

/**
 * One entry of `GET /login`: a user with at least one live registration.
 */
export type OnlineUser = { email: string, display_name: string, url: string, devices: number, };

export type Outcome = { call: string, participant?: string, } | { call: string, device: string, } | { call: string | null, voicemail: VoiceMessageFate, } | { auto_voicemail: boolean, } | { recording_for: string | null, } | { playing: string, } | { message: string, heard?: boolean, } | { deleted: string, } | { saved: string, bytes: number, } | { invited: string, } | { seen_through: number | null, } | { people: Array<OnlineUser>, } | { device: string, name: string, } | { signed_out: string, } | { do_not_disturb: boolean, } | { display_name: string, } | { password_changed: boolean, } | Record<symbol, never>;

/**
 * The other party of a call in my history.
 */
export type Peer = { email: string, display_name: string, };

export type Phase = "choose_server" | "account" | "connecting" | "ready";

/**
 * How fast a message plays: 1×, 1.5× or 2×. In JSON, the number.
 */
export type PlaybackSpeed = 1 | 1.5 | 2;

/**
 * A message of my mailbox playing (or paused) through this device's output.
 */
export type PlaybackView = { message: string, state: PlayerState, 
/**
 * Sound is coming out now (the state is `playing`).
 */
playing: boolean, speed: PlaybackSpeed, position_ms: number, duration_ms: number, error: string | null, };

export type PlayerState = "loading" | "playing" | "paused" | "finished" | "failed";

export type RecordingStage = "prompt" | "recording" | "sending" | "sent" | "failed" | "cancelled";

/**
 * A voice message (or my greeting) being recorded here, from prompt to upload.
 */
export type RecordingView = { 
/**
 * Whose mailbox it goes to; `None` for my own greeting.
 */
to: string | null, 
/**
 * The unanswered call it follows, when it does.
 */
call: string | null, stage: RecordingStage, recorded_ms: number, 
/**
 * Recording stops by itself here.
 */
limit_ms: number, 
/**
 * Why it failed, when `stage` is `failed`.
 */
error: string | null, };

export type RingtoneSettings = { enabled: boolean, 
/**
 * 0 to 100.
 */
volume: number, 
/**
 * The output it rings on; `None`: the computer's default.
 */
device: string | null, };

export type SharingView = { 
/**
 * `https://ADDR:PORT` for each LAN address of this computer; never loopback.
 */
addresses: Array<string>, 
/**
 * The pairing link for the first address; `None` when this computer has no
 * address other devices can reach.
 */
link: string | null, 
/**
 * The pairing link as a QR code, an SVG document.
 */
qr_svg: string | null, };

/**
 * Everything a UI renders, as it is now.
 */
export type Snapshot = { email: string, 
/**
 * The name others see me by.
 */
display_name: string, device_id: string, device_name: string, 
/**
 * Whether the push channel is open.
 */
connected: boolean, 
/**
 * My registered devices, this one included.
 */
devices: Array<DeviceView>, calls: Array<Appearance>, 
/**
 * Who is logged in now, and on how many devices (refreshed on every resync and
 * every `CONTACTS_REFRESH`).
 */
online: Array<OnlineUser>, 
/**
 * Messages in my mailbox not marked heard (the message waiting indicator).
 */
unheard_messages: number, 
/**
 * My mailbox, voice and text, as the server lists it.
 */
messages: Array<Message>, 
/**
 * My latest ended calls, newest first, as every device of mine sees them.
 */
history: Array<HistoryEntry>, 
/**
 * Missed calls not yet seen on any device of mine (`SeeMissedCalls` clears it).
 */
missed_calls: number, 
/**
 * What is being recorded or played here.
 */
voicemail: VoicemailView, 
/**
 * Whether an unanswered call from here goes on to voicemail.
 */
auto_voicemail: boolean, 
/**
 * Whether incoming calls are declined at once, so callers go to voicemail.
 */
do_not_disturb: boolean, 
/**
 * This device was signed out (from another device, or the password changed): the
 * phone has stopped; sign in again.
 */
signed_out: boolean, 
/**
 * Quality of the calls whose audio is here, by call id (measured every few seconds).
 */
quality: { [key in string]: CallQuality }, };

export type Status = { phase: Phase, 
/**
 * The server's address (a URL or a pairing link); when `hosting`, this computer's
 * own loopback address.
 */
server: string | null, 
/**
 * Whether the server runs inside this app.
 */
hosting: boolean, 
/**
 * While the hosted server is shared on the LAN: how other devices reach it.
 */
sharing: SharingView | null, email: string | null, device_name: string | null, 
/**
 * Why the last step on the way failed (cleared by the next one).
 */
error: AppError | null, 
/**
 * A link the app was opened with, not yet taken by the window: the dialer or the
 * server address shows it.
 */
link: Link | null, habits: Habits, };

export type VoiceMessageFate = "sent" | "discarded";

export type VoicemailView = { recording: RecordingView | null, playback: PlaybackView | null, };
