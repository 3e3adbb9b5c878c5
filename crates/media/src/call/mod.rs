//! A call's audio over WebRTC: one peer connection per call leg, one Opus audio track
//! each way, encrypted with DTLS-SRTP. The offer and answer travel as the JSON form of a
//! session description (`{"type": "offer", "sdp": "..."}`) in the participant's `session`.

mod devices;
mod impairment;
mod peer;
mod pipeline;
mod quality;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use webrtc::peer_connection::{RTCPeerConnectionState, RTCSdpType, RTCSessionDescription};

pub use self::devices::{AudioDevices, DevicesInUse};
pub use self::impairment::Impairment;
use self::peer::{Peer, webrtc_error};
use self::pipeline::Controls;
pub use self::quality::{CallQuality, Grade};
use crate::MediaError;
use crate::jitter::JitterStats;
use crate::opus::FrameDuration;

/// How this phone's calls carry audio.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The duration of the frames this phone sends (received frames follow the peer).
    pub frame: FrameDuration,
    /// STUN and TURN servers; host candidates are always gathered first.
    pub ice_servers: Vec<IceServer>,
    /// Local UDP addresses to gather host candidates on (`0.0.0.0:0`: every interface).
    pub udp_addrs: Vec<String>,
    /// Received packets dropped on purpose (tests and benchmarks).
    pub impairment: Impairment,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self { frame: FrameDuration::Ms20, ice_servers: Vec::new(), udp_addrs: vec!["0.0.0.0:0".to_owned()], impairment: Impairment::default() }
    }
}

/// A STUN (`stun:host:port`) or TURN (`turn:host:port`, with credentials) server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: String,
    pub credential: String,
}

/// Whether a session on the wire offers or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Offer,
    Answer,
}

/// What a session on the wire is, or why it is not one this phone can use.
pub fn session_kind(session: &str) -> Result<SessionKind, MediaError> {
    match parse_session(session)?.sdp_type {
        RTCSdpType::Offer => Ok(SessionKind::Offer),
        RTCSdpType::Answer => Ok(SessionKind::Answer),
        other => Err(MediaError::Webrtc(format!("a session of type {other} is neither an offer nor an answer"))),
    }
}

fn parse_session(session: &str) -> Result<RTCSessionDescription, MediaError> {
    serde_json::from_str(session).map_err(|error| MediaError::Webrtc(format!("the session is not a session description: {error}")))
}

fn to_wire(description: &RTCSessionDescription) -> String {
    serde_json::to_string(description).expect("a session description always serializes")
}

/// The audio of one call leg on this device. Dropping it without [`CallMedia::close`]
/// still stops the audio tasks.
pub struct CallMedia {
    peer: Peer,
    config: MediaConfig,
    devices: AudioDevices,
    /// Keeps the microphone and speaker open while the leg lives.
    in_use: Option<DevicesInUse>,
    controls: Arc<Controls>,
    tasks: Vec<JoinHandle<()>>,
    sending: Mutex<Option<JoinHandle<()>>>,
    /// The receive counters at the previous quality reading.
    window: Mutex<JitterStats>,
}

impl CallMedia {
    /// Starts a leg as the offerer: returns the media and the offer to publish.
    pub async fn offer(config: &MediaConfig, devices: AudioDevices) -> Result<(Self, String), MediaError> {
        let mut media = Self::start(config, devices).await?;
        let offer = media.peer.connection.create_offer(None).await.map_err(webrtc_error)?;
        let offer = media.peer.complete_local(offer).await?;
        Ok((media, to_wire(&offer)))
    }

    /// Starts a leg by answering the peer's `offer`: returns the media and the answer to publish.
    pub async fn answer(config: &MediaConfig, devices: AudioDevices, offer: &str) -> Result<(Self, String), MediaError> {
        let offer = parse_session(offer)?;
        let mut media = Self::start(config, devices).await?;
        media.peer.connection.set_remote_description(offer).await.map_err(webrtc_error)?;
        let answer = media.peer.connection.create_answer(None).await.map_err(webrtc_error)?;
        let answer = media.peer.complete_local(answer).await?;
        media.start_sending().await?;
        Ok((media, to_wire(&answer)))
    }

    /// Completes an offer with the peer's `answer`; audio flows once ICE and DTLS connect.
    pub async fn accept_answer(&self, answer: &str) -> Result<(), MediaError> {
        let answer = parse_session(answer)?;
        self.peer.connection.set_remote_description(answer).await.map_err(webrtc_error)?;
        self.start_sending().await
    }

    /// Whether this leg made an offer that no answer has completed yet.
    pub async fn awaits_answer(&self) -> bool {
        self.peer.connection.remote_description().await.is_none()
    }

    async fn start(config: &MediaConfig, devices: AudioDevices) -> Result<Self, MediaError> {
        let mut peer = Peer::new(config).await?;
        let in_use = devices.use_devices_async().await?;
        let controls = Arc::new(Controls::default());
        let (packets_sender, packets) = mpsc::unbounded_channel();
        let (_, no_tracks) = mpsc::unbounded_channel();
        let tracks = std::mem::replace(&mut peer.remote_tracks, no_tracks);
        let tasks = vec![
            tokio::spawn(pipeline::receive(tracks, packets_sender, config.impairment)),
            tokio::spawn(pipeline::play(packets, config.frame, devices.clone(), Arc::clone(&controls))),
        ];
        let window = Mutex::new(JitterStats::default());
        Ok(Self { peer, config: config.clone(), devices, in_use: Some(in_use), controls, tasks, sending: Mutex::new(None), window })
    }

    async fn start_sending(&self) -> Result<(), MediaError> {
        let payload_type = self.peer.payload_type().await?;
        let task = tokio::spawn(pipeline::send(
            Arc::clone(&self.peer.track),
            self.peer.ssrc,
            payload_type,
            self.config.frame,
            self.devices.clone(),
            Arc::clone(&self.controls),
        ));
        if let Some(previous) = self.sending.lock().unwrap_or_else(PoisonError::into_inner).replace(task) {
            previous.abort();
        }
        Ok(())
    }

    /// Muted, the leg sends silence; the peer is still heard.
    pub fn set_muted(&self, muted: bool) {
        self.controls.set_muted(muted);
    }

    /// Held, the leg sends silence and plays none.
    pub fn set_held(&self, held: bool) {
        self.controls.set_held(held);
    }

    /// Whether ICE and DTLS are up.
    pub fn connected(&self) -> bool {
        *self.peer.state.borrow() == RTCPeerConnectionState::Connected
    }

    /// The quality since the previous reading (or since the start).
    pub async fn quality(&self) -> CallQuality {
        let now = self.controls.receive_state().stats;
        let before = std::mem::replace(&mut *self.window.lock().unwrap_or_else(PoisonError::into_inner), now);
        CallQuality { echo: self.devices.echo_stats(), ..CallQuality::between(&before, &now, self.peer.round_trip().await) }
    }

    /// When the first frame that came from the peer was played.
    pub fn first_audio_played(&self) -> Option<Instant> {
        self.controls.receive_state().first_played
    }

    /// When the latest frame that came from the peer was played.
    pub fn last_audio_played(&self) -> Option<Instant> {
        self.controls.receive_state().last_played
    }

    /// Stops the audio, closes the connection and lets the devices go.
    pub async fn close(mut self) {
        self.stop_tasks();
        // Closing the last user's devices waits for their streams to stop.
        if let Some(in_use) = self.in_use.take() {
            let _ = tokio::task::spawn_blocking(move || drop(in_use)).await;
        }
        if let Err(error) = self.peer.connection.close().await {
            tracing::debug!(%error, "closing a peer connection");
        }
    }

    fn stop_tasks(&self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(task) = self.sending.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.stop_tasks();
    }
}

impl std::fmt::Debug for CallMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallMedia").field("ssrc", &self.peer.ssrc).field("connected", &self.connected()).finish()
    }
}
