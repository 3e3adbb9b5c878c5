use super::*;
use Playout::{Conceal, Fec, Frame};

const FRAME_MS: u64 = 20;

fn payload(seq: u16) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

fn packet(seq: u16) -> Packet {
    Packet { seq, timestamp: u32::from(seq).wrapping_mul(960), payload: payload(seq) }
}

/// A jitter buffer driven by a fake clock: `ms` is milliseconds since `t0`.
struct Script {
    buffer: JitterBuffer,
    t0: Instant,
}

impl Script {
    fn new() -> Self {
        Self::with(JitterConfig::default())
    }

    fn with(config: JitterConfig) -> Self {
        Self { buffer: JitterBuffer::new(config), t0: Instant::now() }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Pushes `seqs[i]` at `arrival_ms[i]`, in the given order.
    fn feed(&mut self, seqs: &[u16], arrival_ms: &[u64]) {
        assert_eq!(seqs.len(), arrival_ms.len());
        for (&seq, &ms) in seqs.iter().zip(arrival_ms) {
            self.buffer.push(packet(seq), self.at(ms));
        }
    }

    fn pop(&mut self, ms: u64) -> Option<Playout> {
        self.buffer.pop(self.at(ms))
    }

    /// Pops at `from_ms`, `from_ms + 20`, ... (`count` ticks).
    fn pops(&mut self, from_ms: u64, count: u64) -> Vec<Option<Playout>> {
        (0..count).map(|i| self.pop(from_ms + i * FRAME_MS)).collect()
    }

    fn stats(&self) -> JitterStats {
        self.buffer.stats()
    }
}

fn frame(seq: u16) -> Option<Playout> {
    Some(Frame(payload(seq)))
}

fn fec(seq: u16) -> Option<Playout> {
    Some(Fec(payload(seq)))
}

#[test]
fn in_order_packets_play_in_order_after_initial_delay() {
    let mut s = Script::new();
    s.feed(&[0, 1, 2, 3, 4], &[0, 20, 40, 60, 80]);
    assert_eq!(s.pop(0), None, "still filling: the first packet waits 20 ms");
    assert_eq!(s.pop(19), None);
    assert_eq!(s.pops(20, 5), [frame(0), frame(1), frame(2), frame(3), frame(4)]);
    let stats = s.stats();
    assert_eq!((stats.received, stats.lost, stats.concealed), (5, 0, 0));
    assert_eq!(stats.target, Duration::from_millis(20));
}

#[test]
fn reordered_packet_within_delay_plays_in_order() {
    let mut s = Script::new();
    s.feed(&[1, 0, 3, 2], &[0, 10, 40, 55]);
    assert_eq!(s.pops(20, 4), [frame(0), frame(1), frame(2), frame(3)]);
    assert_eq!(s.stats().lost, 0);
}

#[test]
fn missing_packet_with_successor_yields_fec_then_successor() {
    let mut s = Script::new();
    s.feed(&[0, 2, 3], &[0, 40, 60]);
    assert_eq!(s.pops(20, 4), [frame(0), fec(2), frame(2), frame(3)]);
    let stats = s.stats();
    assert_eq!((stats.lost, stats.fec_recovered, stats.concealed), (1, 1, 0));
}

#[test]
fn missing_packet_without_successor_conceals() {
    let mut s = Script::new();
    s.feed(&[0, 1, 4], &[0, 20, 80]);
    // 2 and 3 missing: 2 has no successor present (conceal), 3 has 4 (FEC).
    assert_eq!(s.pops(20, 5), [frame(0), frame(1), Some(Conceal), fec(4), frame(4)]);
    let stats = s.stats();
    assert_eq!((stats.lost, stats.concealed, stats.fec_recovered), (2, 1, 1));
}

#[test]
fn late_packet_is_dropped_and_counted() {
    let mut s = Script::new();
    s.feed(&[0, 2], &[0, 40]);
    assert_eq!(s.pops(20, 2), [frame(0), fec(2)]);
    s.feed(&[1], &[45]); // seq 1's tick (40 ms) has passed
    assert_eq!(s.pops(60, 2), [frame(2), Some(Conceal)]);
    let stats = s.stats();
    assert_eq!((stats.late, stats.received), (1, 3));
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let mut s = Script::new();
    s.feed(&[0, 0, 1, 1], &[0, 5, 20, 21]);
    assert_eq!(s.pops(20, 3), [frame(0), frame(1), Some(Conceal)]);
    assert_eq!(s.stats().duplicates, 2);
}

#[test]
fn sequence_wraparound_plays_in_order() {
    let mut s = Script::new();
    s.feed(&[65534, 0, 65535, 1], &[0, 30, 35, 60]);
    assert_eq!(s.pops(20, 4), [frame(65534), frame(65535), frame(0), frame(1)]);
    let stats = s.stats();
    assert_eq!((stats.lost, stats.late), (0, 0));
}

#[test]
fn sequence_jump_resets() {
    let mut s = Script::new();
    s.feed(&[0, 1, 2], &[0, 20, 40]);
    assert_eq!(s.pops(20, 2), [frame(0), frame(1)]);
    // The peer restarts its sequence: confirmed by a second consecutive packet.
    s.feed(&[30000, 30001], &[50, 70]);
    assert_eq!(s.pop(60), None, "refilling: 30000 waits until 70 ms");
    assert_eq!(s.pops(70, 3), [frame(30000), frame(30001), Some(Conceal)]);
    assert_eq!(s.stats().late, 0);
}

#[test]
fn single_stray_packet_does_not_reset() {
    let mut s = Script::new();
    s.feed(&[0, 1, 40000, 2], &[0, 20, 30, 40]);
    assert_eq!(s.pops(20, 3), [frame(0), frame(1), frame(2)]);
}

#[test]
fn long_silence_resets_instead_of_concealing_forever() {
    let mut s = Script::new();
    s.feed(&[0], &[0]);
    assert_eq!(s.pop(20), frame(0));
    let conceals = s.pops(40, 49);
    assert!(conceals.iter().all(|p| *p == Some(Conceal)));
    assert_eq!(s.pop(1020), None, "more than 1 s without packets: reset");
    // The stream comes back (same sequence space): refill, then play.
    s.feed(&[100, 101], &[1030, 1050]);
    assert_eq!(s.pops(1040, 3), [None, frame(100), frame(101)]);
}

/// Deterministic pseudo-random jitter in `-30..=30` ms.
struct Lcg(u64);

impl Lcg {
    fn jitter_ms(&mut self) -> i64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % 61) as i64 - 30
    }
}

/// Simulates a sender emitting packet `i` (seq `i`) at `i * 20` ms, with a
/// network delay of `50 + jitter(i)` ms, and a player popping every 20 ms
/// until every packet has arrived. Returns, per tick, what was played and the
/// stats right after.
fn simulate(s: &mut Script, count: u16, mut jitter: impl FnMut(u16) -> i64) -> Vec<(Option<Playout>, JitterStats)> {
    let mut arrivals: Vec<(u64, u16)> = (0..count).map(|seq| ((i64::from(seq) * 20 + 50 + jitter(seq)).max(0) as u64, seq)).collect();
    arrivals.sort();
    let mut ticks = Vec::new();
    let mut next = 0;
    let mut tick = 0;
    while next < arrivals.len() {
        while next < arrivals.len() && arrivals[next].0 <= tick {
            s.feed(&[arrivals[next].1], &[arrivals[next].0]);
            next += 1;
        }
        let played = s.pop(tick);
        ticks.push((played, s.stats()));
        tick += FRAME_MS;
    }
    ticks
}

#[test]
fn jitter_raises_target_and_steady_stream_lowers_it() {
    let config = JitterConfig::default();
    let mut s = Script::with(config);
    let mut lcg = Lcg(42);
    // 10 s of ±30 ms jitter, then 10 s of perfectly steady arrivals.
    let ticks = simulate(&mut s, 1000, |seq| if seq < 500 { lcg.jitter_ms() } else { 0 });
    let is_frame = |(p, _): &(Option<Playout>, JitterStats)| matches!(p, Some(Frame(_)));

    let jittery = ticks[500].1;
    assert!(jittery.target > config.min_delay, "target {:?}", jittery.target);
    assert!(ticks.iter().all(|(_, stats)| stats.target <= config.max_delay));
    // Once the target has risen, the last 3 s of jitter play (almost) cleanly.
    let losses = ticks[350..500].iter().filter(|t| !is_frame(t)).count();
    assert!(losses <= 2, "{losses} non-frames in ticks 350..500");

    // The steady stream brings the target back to the minimum, and the
    // buffered delay follows it (one skipped frame per second at most).
    let steady = ticks.last().unwrap().1;
    assert_eq!(steady.target, config.min_delay);
    assert!(steady.delay <= steady.target + config.frame * 3, "delay {:?}", steady.delay);
    assert!(ticks[900..].iter().all(is_frame));
    assert_eq!((steady.late, steady.received), (jittery.late, 1000));
    println!("after jitter: {jittery:?}\nafter steady: {steady:?}");
}

#[test]
fn target_never_exceeds_max_delay() {
    let config = JitterConfig { max_delay: Duration::from_millis(60), ..JitterConfig::default() };
    let mut s = Script::with(config);
    let mut lcg = Lcg(7);
    // Jitter is scaled ×3 (±90 ms) so that 4·J would overshoot 60 ms.
    let _ = simulate(&mut s, 300, |_| lcg.jitter_ms() * 3);
    assert_eq!(s.stats().target, config.max_delay);
}
