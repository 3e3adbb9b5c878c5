//! `restphone-cli --server URL --user EMAIL --password P --device NAME <command>`:
//! a scriptable phone. `run` reads commands line by line on standard input and
//! writes one JSON object per line: the snapshot after every change (it has
//! `calls`), each command's result (`ok: true`) or error (`ok: false`), and each
//! invitation or message notice as it arrives (`notice`). `leave` and
//! `voicemail` handle voice messages without a call: a WAV file in, Ogg Opus
//! files out. `audio-devices` lists the computer's audio devices.

mod audio;
mod voicemail;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use restphone_media::system_audio::list_devices;
use restphone_phone::client::ServerClient;
use restphone_phone::voicemail::MESSAGE_LIMIT;
use restphone_phone::{Command, Phone, PhoneConfig, PhoneError};
use serde_json::json;
use tokio::io::AsyncBufReadExt;

#[derive(Parser)]
#[command(version, about = "A scriptable restphone phone")]
struct Args {
    /// The server: an http:// or https:// URL, or a pairing link
    /// (restphone://pair?server=https://ADDR:PORT&cert=SHA256), which trusts exactly
    /// the certificate it names.
    #[arg(long, default_value = "http://127.0.0.1:7080")]
    server: String,
    #[arg(long, default_value = "")]
    user: String,
    #[arg(long, default_value = "")]
    password: String,
    #[arg(long, default_value = "restphone-cli")]
    device: String,
    /// Display name for `signup` (default: the part of the email before '@').
    #[arg(long)]
    display_name: Option<String>,
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Create the account.
    Signup,
    /// List my registered devices.
    Devices,
    /// List my current calls.
    Calls,
    /// Send a text message.
    Message { to: String, text: Vec<String> },
    /// Leave a voice message: FILE (48 kHz 16-bit WAV, at most 3 minutes used) is encoded to Ogg Opus.
    Leave {
        to: String,
        #[arg(long, value_name = "FILE")]
        play: PathBuf,
    },
    /// My voice mailbox.
    Voicemail {
        #[command(subcommand)]
        action: voicemail::Voicemail,
    },
    /// My voicemail greeting.
    Greeting {
        #[command(subcommand)]
        action: voicemail::Greeting,
    },
    /// Run the phone, reading commands from standard input.
    Run {
        /// Answer every incoming call.
        #[arg(long)]
        auto_answer: bool,
        /// Do not go on to leave a voice message when my call goes unanswered.
        #[arg(long)]
        no_voicemail: bool,
        /// Registration lifetime to ask for, in seconds.
        #[arg(long, default_value_t = 300)]
        expires: u32,
        #[command(flatten)]
        audio: audio::AudioArgs,
    },
    /// List the computer's audio devices that can be opened (no server needed).
    AudioDevices,
}

fn print(value: serde_json::Value) {
    println!("{value}");
}

fn error_json(error: &PhoneError) -> serde_json::Value {
    json!({ "message": error.to_string(), "debug": format!("{error:?}") })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Action::Signup => {
            let name = args.display_name.clone().unwrap_or_else(|| args.user.split('@').next().unwrap_or_default().to_owned());
            ServerClient::sign_up(&args.server, &args.user, &args.password, &name).await.map(|()| json!({ "ok": true, "user": args.user }))
        }
        Action::Devices => one_shot(&args, |client| async move { client.devices_of(&client.email).await.map(|p| json!(p.devices)) }).await,
        Action::Calls => one_shot(&args, |client| async move { client.calls().await.map(|c| json!(c)) }).await,
        Action::Message { ref to, ref text } => {
            let (to, text) = (to.clone(), text.join(" "));
            one_shot(&args, |client| async move { client.send_text(&to, &text).await.map(|m| json!(m)) }).await
        }
        Action::Leave { ref to, ref play } => match voicemail::encode_wav(play, MESSAGE_LIMIT) {
            Ok(ogg) => {
                let to = to.clone();
                one_shot(&args, |client| async move { leave(&client, &to, ogg).await }).await
            }
            Err(error) => Err(error),
        },
        Action::Voicemail { ref action } => one_shot(&args, |client| async move { voicemail::run(&client, action).await }).await,
        Action::Greeting { ref action } => one_shot(&args, |client| async move { voicemail::greeting(&client, action).await }).await,
        Action::AudioDevices => list_devices().map(|devices| json!(devices)).map_err(|error| PhoneError::NotPossible(error.to_string())),
        Action::Run { auto_answer, no_voicemail, expires, ref audio } => match audio.open() {
            Ok(media) => {
                let config = PhoneConfig {
                    server: args.server.clone(),
                    email: args.user.clone(),
                    password: args.password.clone(),
                    device_name: args.device.clone(),
                    expires,
                    auto_answer,
                    auto_voicemail: !no_voicemail,
                    media: Some(media.clone()),
                };
                let result = run(config).await;
                audio::finish(&media);
                result
            }
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(value) => {
            print(value);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("restphone-cli: {error}");
            print(json!({ "ok": false, "error": error_json(&error) }));
            ExitCode::FAILURE
        }
    }
}

async fn one_shot<F, Fut>(args: &Args, action: F) -> Result<serde_json::Value, PhoneError>
where
    F: FnOnce(ServerClient) -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, PhoneError>>,
{
    let client = ServerClient::sign_in(&args.server, &args.user, &args.password).await?;
    let result = action(client.clone()).await;
    let _ = client.sign_out().await;
    result
}

async fn leave(client: &ServerClient, to: &str, ogg: Vec<u8>) -> Result<serde_json::Value, PhoneError> {
    let duration_ms = voicemail::duration_ms(&ogg)?;
    let created = client.leave_voice_message(to, ogg).await?;
    Ok(json!({ "ok": true, "message": created.url, "duration_ms": duration_ms }))
}

async fn run(config: PhoneConfig) -> Result<serde_json::Value, PhoneError> {
    let phone = Phone::start(config).await?;
    let mut snapshots = phone.snapshots();
    let printer = tokio::spawn(async move {
        loop {
            let snapshot = snapshots.borrow_and_update().clone();
            print(json!(snapshot));
            if snapshots.changed().await.is_err() {
                return;
            }
        }
    });
    let mut notices = phone.notices();
    let notice_printer = tokio::spawn(async move {
        while let Ok(notice) = notices.recv().await {
            print(json!({ "notice": notice }));
        }
    });
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "quit" {
            break;
        }
        match Command::parse(line) {
            Ok(command) => match phone.execute(command).await {
                Ok(result) => print(json!({ "command": line, "ok": true, "result": result })),
                Err(error) => print(json!({ "command": line, "ok": false, "error": error_json(&error) })),
            },
            Err(message) => print(json!({ "command": line, "ok": false, "error": { "message": message } })),
        }
    }
    phone.quit().await;
    printer.abort();
    notice_printer.abort();
    Ok(json!({ "ok": true, "quit": true }))
}
