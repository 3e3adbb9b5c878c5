// The only way the window talks to the app: commands out, `status` and `snapshot` events in.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppError, AudioChoices, AudioDirection, Command, Habits, Notice, Outcome, RingtoneSettings, Snapshot, Status } from "./types";

export function isAppError(value: unknown): value is AppError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** Any failure as an `AppError`, including a broken bridge (which has no code of ours). */
export function asAppError(value: unknown): AppError {
  return isAppError(value) ? value : { code: "stopped", message: String(value) };
}

export const backend = {
  status: () => invoke<Status>("status"),
  snapshot: () => invoke<Snapshot | null>("snapshot"),
  takeLink: () => invoke<Status>("take_link"),
  setHabits: (habits: Habits) => invoke<Status>("set_habits", { habits }),
  diagnostics: () => invoke<string>("diagnostics"),
  hostHere: () => invoke<Status>("host_here"),
  useServer: (url: string) => invoke<Status>("use_server", { url }),
  chooseServerAgain: () => invoke<Status>("choose_server_again"),
  signUp: (email: string, password: string, displayName: string, deviceName: string) =>
    invoke<Status>("sign_up", { email, password, displayName, deviceName }),
  logIn: (email: string, password: string, deviceName: string) => invoke<Status>("log_in", { email, password, deviceName }),
  logOut: () => invoke<Status>("log_out"),
  setSharing: (enabled: boolean) => invoke<Status>("set_sharing", { enabled }),
  execute: (command: Command) => invoke<Outcome>("execute", { command }),
  audioDevices: () => invoke<AudioChoices>("audio_devices"),
  chooseAudioDevice: (direction: AudioDirection, name: string | null) => invoke<AudioChoices>("choose_audio_device", { direction, name }),
  setRingtone: (ringtone: RingtoneSettings) => invoke<AudioChoices>("set_ringtone", { ringtone }),
  playTestSound: () => invoke<null>("play_test_sound"),
  inputLevel: () => invoke<number>("input_level"),
};

export async function follow(
  onStatus: (status: Status) => void,
  onSnapshot: (snapshot: Snapshot) => void,
  onNotice: (notice: Notice) => void,
): Promise<UnlistenFn> {
  const stops = await Promise.all([
    listen<Status>("status", (event) => onStatus(event.payload)),
    listen<Snapshot>("snapshot", (event) => onSnapshot(event.payload)),
    listen<Notice>("notice", (event) => onNotice(event.payload)),
  ]);
  return () => stops.forEach((stop) => stop());
}
