//! One webrtc-rs peer connection for one call leg: audio only, Opus only, DTLS-SRTP,
//! host candidates first (plus whatever STUN/TURN servers are configured).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceGatheringState, RTCIceServer,
    RTCPeerConnectionState, RTCSessionDescription, SettingEngineBuilder,
};

use super::MediaConfig;
use crate::MediaError;

/// The payload type offered for Opus (the one browsers use).
const OPUS_PAYLOAD_TYPE: u8 = 111;
/// Non-trickle ICE: the description is sent once gathering ends, or after this long.
const GATHERING_LIMIT: Duration = Duration::from_secs(5);
/// ICE pacing: a connectivity check every 20 ms (webrtc-rs waits 200 ms, which alone put
/// 200 ms between the answer and the first audio on loopback), for the same 1.4 s in all.
const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(20);
const ICE_MAX_BINDING_REQUESTS: u16 = 70;

pub(crate) struct Peer {
    pub(crate) connection: Arc<dyn PeerConnection>,
    pub(crate) track: Arc<TrackLocalStaticSample>,
    pub(crate) ssrc: u32,
    pub(crate) remote_tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
    pub(crate) state: watch::Receiver<RTCPeerConnectionState>,
    gathering: watch::Receiver<RTCIceGatheringState>,
}

struct Events {
    gathering: watch::Sender<RTCIceGatheringState>,
    state: watch::Sender<RTCPeerConnectionState>,
    remote_tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Events {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        self.gathering.send_replace(state);
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.state.send_replace(state);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.remote_tracks.send(track);
    }
}

fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

impl Peer {
    /// A connection with this phone's one audio track added, not yet negotiated.
    pub(crate) async fn new(config: &MediaConfig) -> Result<Self, MediaError> {
        let mut media = MediaEngine::default();
        let codec = RTCRtpCodecParameters { rtp_codec: opus(), payload_type: OPUS_PAYLOAD_TYPE };
        media.register_codec(codec, RtpCodecKind::Audio).map_err(webrtc_error)?;
        let ice_servers = config
            .ice_servers
            .iter()
            .map(|server| RTCIceServer { urls: server.urls.clone(), username: server.username.clone(), credential: server.credential.clone() })
            .collect();
        let (gathering_sender, gathering) = watch::channel(RTCIceGatheringState::New);
        let (state_sender, state) = watch::channel(RTCPeerConnectionState::New);
        let (tracks_sender, remote_tracks) = mpsc::unbounded_channel();
        let events = Events { gathering: gathering_sender, state: state_sender, remote_tracks: tracks_sender };
        let connection = PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::default().with_ice_servers(ice_servers).build())
            .with_media_engine(media)
            .with_setting_engine(settings())
            .with_handler(Arc::new(events))
            .with_udp_addrs(config.udp_addrs.clone())
            .build()
            .await
            .map_err(webrtc_error)?;
        let connection: Arc<dyn PeerConnection> = Arc::new(connection);
        let ssrc = rand_ssrc();
        let encoding = RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(ssrc), ..Default::default() },
            codec: opus(),
            ..Default::default()
        };
        let stream = MediaStreamTrack::new("restphone".to_owned(), "voice".to_owned(), "voice".to_owned(), RtpCodecKind::Audio, vec![encoding]);
        let track = Arc::new(TrackLocalStaticSample::new(Instant::now(), stream).map_err(webrtc_error)?);
        connection.add_track(Arc::clone(&track) as Arc<dyn TrackLocal>).await.map_err(webrtc_error)?;
        Ok(Self { connection, track, ssrc, remote_tracks, state, gathering })
    }

    /// Sets `description` as the local one and waits for ICE gathering, so the returned
    /// description carries every candidate (no trickle: the session travels once).
    pub(crate) async fn complete_local(&mut self, description: RTCSessionDescription) -> Result<RTCSessionDescription, MediaError> {
        self.connection.set_local_description(description).await.map_err(webrtc_error)?;
        let _ = tokio::time::timeout(GATHERING_LIMIT, self.gathering.wait_for(|state| *state == RTCIceGatheringState::Complete)).await;
        self.connection.local_description().await.ok_or_else(|| MediaError::Webrtc("no local description after gathering".to_owned()))
    }

    /// The payload type the sender negotiated for Opus.
    pub(crate) async fn payload_type(&self) -> Result<u8, MediaError> {
        for sender in self.connection.get_senders().await {
            let parameters = sender.get_parameters().await.map_err(webrtc_error)?;
            if let Some(codec) = parameters.rtp_parameters.codecs.first() {
                return Ok(codec.payload_type);
            }
        }
        Err(MediaError::Webrtc("no codec was negotiated for the audio track".to_owned()))
    }

    /// The ICE round trip of the pair in use, once measured.
    pub(crate) async fn round_trip(&self) -> Option<Duration> {
        let report = self.connection.get_stats(Instant::now(), webrtc::peer_connection::StatsSelector::None).await;
        report
            .candidate_pairs()
            .filter(|pair| pair.nominated && pair.current_round_trip_time > 0.0)
            .map(|pair| Duration::from_secs_f64(pair.current_round_trip_time))
            .next()
    }
}

/// ICE paced for calls. Multicast DNS is off: restphone peers send their addresses, never
/// `.local` names, and the mDNS socket fails to join its group on a network with no
/// route for multicast (a LAN without internet, a fresh namespace), which made every
/// call there fail with "No such device".
fn settings() -> rtc::peer_connection::configuration::setting_engine::SettingEngine {
    SettingEngineBuilder::new()
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(ICE_MAX_BINDING_REQUESTS))
        .with_multicast_dns_mode(rtc::ice::mdns::MulticastDnsMode::Disabled)
        .build()
}

fn rand_ssrc() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    // A random 32-bit value without another dependency: each RandomState has random keys.
    std::collections::hash_map::RandomState::new().build_hasher().finish() as u32
}

pub(crate) fn webrtc_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::Webrtc(error.to_string())
}
