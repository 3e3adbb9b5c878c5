use super::*;

const NOW: i64 = 1_000_000_000;

fn device(id: &str, expires_at: i64) -> DeviceRecord {
    DeviceRecord {
        id: id.to_owned(),
        user_id: 7,
        name: "Laptop".to_owned(),
        contact: "sip:laptop".to_owned(),
        registered_at: NOW - 1000,
        refreshed_at: NOW - 1000,
        expires_at,
        token_hash: Some("token".to_owned()),
    }
}

#[test]
fn a_known_registration_far_from_lapsing_is_extended_in_memory_and_written_once() {
    let registrations = Registrations::default();
    registrations.remember(&device("d1", NOW + 300_000));
    let extended = registrations.extend(7, "d1", NOW + 600_000, Some("token"), NOW).expect("taken in memory");
    assert_eq!((extended.expires_at, extended.refreshed_at), (NOW + 600_000, NOW));
    let batch = registrations.take_pending(NOW);
    assert_eq!(batch, vec![PendingRefresh { device_id: "d1".to_owned(), expires_at: NOW + 600_000, refreshed_at: NOW }]);
    registrations.written(&batch, &[]);
    assert!(registrations.take_pending(NOW).is_empty(), "nothing is written twice");
}

#[test]
fn refreshes_go_to_the_store_when_memory_cannot_answer_for_it() {
    let registrations = Registrations::default();
    assert!(registrations.extend(7, "unknown", NOW + 600_000, None, NOW).is_none(), "an unknown device");
    registrations.remember(&device("d1", NOW + STORED_MARGIN - 1));
    assert!(registrations.extend(7, "d1", NOW + 600_000, None, NOW).is_none(), "the stored expiry is too close");
    registrations.remember(&device("d2", NOW + 300_000));
    assert!(registrations.extend(8, "d2", NOW + 600_000, None, NOW).is_none(), "another user's device");
    assert!(registrations.extend(7, "d2", NOW + 600_000, Some("another token"), NOW).is_none(), "another token to record");
    assert!(registrations.extend(7, "d2", NOW + 600_000, None, NOW).is_some(), "with the password, the token stays");
}

#[test]
fn the_stored_expiry_counts_only_once_written() {
    let registrations = Registrations::default();
    registrations.remember(&device("d1", NOW + STORED_MARGIN + 1));
    registrations.extend(7, "d1", NOW + 600_000, None, NOW).unwrap();
    let batch = registrations.take_pending(NOW);
    // Until the batch is written, the store still holds the near expiry.
    assert!(registrations.extend(7, "d1", NOW + 600_000, None, NOW + 2).is_none());
    registrations.retry(&batch);
    let again = registrations.take_pending(NOW);
    assert_eq!(again.len(), 1, "a failed batch goes with the next one");
    registrations.written(&again, &[]);
    assert!(registrations.extend(7, "d1", NOW + 600_000, None, NOW + 2).is_some());
}

#[test]
fn a_registration_gone_from_the_store_or_lapsed_is_forgotten() {
    let registrations = Registrations::default();
    registrations.remember(&device("gone", NOW + 300_000));
    registrations.remember(&device("lapsed", NOW - 1));
    registrations.extend(7, "gone", NOW + 600_000, None, NOW).unwrap();
    let batch = registrations.take_pending(NOW);
    registrations.written(&batch, &["gone".to_owned()]);
    assert!(registrations.extend(7, "gone", NOW + 600_000, None, NOW).is_none());
    assert!(registrations.known.lock().unwrap().is_empty(), "the lapsed one went with the batch");
}
