use restphone_api::call::EndReason;
use restphone_api::history::HistoryEntry;
use restphone_api::message::Message;
use restphone_api::{DateTime, Utc};
use restphone_phone::core::appearance::{Direction, Peer};

use super::*;

fn bob() -> Peer {
    Peer { email: "bob@example.com".into(), display_name: "Bob".into() }
}

fn call(id: &str, state: AppearanceState, where_: Where) -> Appearance {
    Appearance {
        id: id.into(),
        subject: None,
        direction: Direction::Incoming,
        peer: bob(),
        state,
        where_,
        started_at: DateTime::<Utc>::UNIX_EPOCH,
        answered_at: None,
        ended: None,
        muted: false,
        recorded_seconds: None,
        actions: Vec::new(),
    }
}

fn missed(id: u64) -> HistoryEntry {
    let at = DateTime::<Utc>::UNIX_EPOCH;
    HistoryEntry {
        id,
        call: format!("c{id}"),
        direction: Direction::Incoming,
        peer: bob(),
        subject: None,
        started_at: at,
        answered_at: None,
        ended_at: at,
        reason: EndReason::Noanswer,
        missed: true,
        device: None,
    }
}

fn voice(id: &str, from: &str) -> Message {
    Message {
        id: id.into(),
        url: format!("/m/{id}"),
        from: from.into(),
        to: "alice@example.com".into(),
        kind: MessageKind::Voice,
        text: None,
        duration_ms: Some(3000),
        audio_url: None,
        size: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        heard: false,
    }
}

fn online() -> Snapshot {
    Snapshot { email: "alice@example.com".into(), connected: true, ..Snapshot::default() }
}

#[test]
fn the_tray_shows_offline_in_call_voicemail_or_ready() {
    assert_eq!(tray_view(None).look, Look::Offline);
    assert_eq!(tray_view(Some(&Snapshot { connected: false, ..online() })).look, Look::Offline);
    assert_eq!(tray_view(Some(&Snapshot { signed_out: true, ..online() })).look, Look::Offline);

    let ready = tray_view(Some(&online()));
    assert_eq!((ready.look, ready.live_call), (Look::Ready, None));

    let waiting = Snapshot { messages: vec![voice("m1", "bob@example.com"), voice("m2", "bob@example.com")], ..online() };
    let view = tray_view(Some(&waiting));
    assert_eq!((view.look, view.tooltip.as_str()), (Look::Voicemail, "restphone: 2 new voice messages"));

    // A call elsewhere is not this device's: no Mute or Hang up here.
    let elsewhere = Where::Elsewhere { device_id: "d2".into(), name: "Desk".into() };
    let view = tray_view(Some(&Snapshot { calls: vec![call("c1", AppearanceState::Active, elsewhere)], ..waiting.clone() }));
    assert_eq!(view.look, Look::Voicemail);

    let mut here = call("c2", AppearanceState::Held, Where::Here);
    here.muted = true;
    let view = tray_view(Some(&Snapshot { calls: vec![here], do_not_disturb: true, ..waiting }));
    assert_eq!(view.look, Look::InCall);
    assert_eq!(view.live_call, Some(LiveCall { call: "c2".into(), muted: true }));
    assert_eq!(view.tooltip, "restphone: in a call with Bob (do not disturb)");
    assert!(view.do_not_disturb);
}

#[test]
fn a_call_rings_until_it_is_answered_anywhere() {
    let ringing = Snapshot { calls: vec![call("c1", AppearanceState::Ringing, Where::Nowhere)], ..online() };
    assert_eq!(changes(None, &ringing).ringing, vec![Ring { call: "c1".into(), caller: "Bob".into() }], "a call ringing at start-up rings");
    assert_eq!(changes(Some(&ringing), &ringing), Changes::default(), "the same call rings once");

    let answered_elsewhere =
        Snapshot { calls: vec![call("c1", AppearanceState::Active, Where::Elsewhere { device_id: "d2".into(), name: "Desk".into() })], ..online() };
    assert_eq!(changes(Some(&ringing), &answered_elsewhere).stopped, vec!["c1".to_owned()]);
    assert_eq!(changes(Some(&ringing), &online()).stopped, vec!["c1".to_owned()], "a call that vanished stops ringing too");
}

#[test]
fn missed_calls_and_voice_messages_are_news_once_and_not_while_undisturbed() {
    let before = Snapshot { history: vec![missed(1)], messages: vec![voice("m1", "bob@example.com")], missed_calls: 1, ..online() };
    assert_eq!(changes(None, &before), Changes::default(), "what was there at start-up is old news");

    let after = Snapshot {
        history: vec![missed(2), missed(1)],
        messages: vec![voice("m2", "bob@example.com"), voice("m3", "alice@example.com"), voice("m1", "bob@example.com")],
        missed_calls: 2,
        ..online()
    };
    let news = changes(Some(&before), &after);
    assert_eq!(news.missed, vec!["Bob".to_owned()]);
    assert_eq!(news.voicemail, vec!["bob@example.com".to_owned()], "my own copy is not news");

    assert_eq!(changes(Some(&before), &Snapshot { missed_calls: 0, ..after.clone() }).missed, Vec::<String>::new(), "seen on another device already");
    assert_eq!(changes(Some(&before), &Snapshot { do_not_disturb: true, ..after }), Changes::default());
}
