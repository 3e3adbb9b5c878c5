use restphone_system_tests::{Client, TestServer};
use serde_json::json;

/// A real Ogg Opus file made by opusenc: 2.5 s of a sine tone.
fn voice() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/oggopus/testdata/sine_2500ms.opus")).unwrap()
}

async fn leave_voice(from: &Client, to: &str, body: Vec<u8>) -> restphone_system_tests::Reply {
    from.send(from.request(reqwest::Method::POST, &format!("/user/{to}/message")).header("content-type", "audio/ogg").body(body)).await
}

#[tokio::test]
async fn bob_leaves_a_voice_message_and_alice_plays_seeks_and_marks_it() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (_, mut laptop) = alice.device("Laptop").await;
    let (_, mut desk) = alice.device("Desk").await;
    let file = voice();
    let created = leave_voice(&bob, "alice@example.com", file.clone()).await.expect(201);
    let id = created["id"].as_str().unwrap();
    for events in [&mut laptop, &mut desk] {
        let notice = events.wait_for("message", |_| true).await.data;
        assert_eq!((notice["id"].as_str(), notice["from"].as_str(), notice["kind"].as_str()), (Some(id), Some("bob@example.com"), Some("voice")));
        assert_eq!(notice["heard"], false);
    }
    let listed = alice.get("/user/alice@example.com/message").await.expect(200);
    assert_eq!(listed[0]["duration_ms"], 2500);
    assert_eq!(listed[0]["size"], file.len());
    assert_eq!(listed[0]["heard"], false);

    let audio_path = listed[0]["audio_url"].as_str().unwrap();
    let whole = alice.http.get(format!("{}{audio_path}", server.base)).bearer_auth(alice.token.as_ref().unwrap()).send().await.unwrap();
    assert_eq!(whole.headers()["content-type"], "audio/ogg");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), file.as_slice());
    let middle = alice
        .http
        .get(format!("{}{audio_path}", server.base))
        .bearer_auth(alice.token.as_ref().unwrap())
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(middle.status(), 206);
    assert_eq!(middle.headers()["content-range"], format!("bytes 1000-1999/{}", file.len()));
    assert_eq!(middle.bytes().await.unwrap().as_ref(), &file[1000..2000]);
    let beyond = alice.request(reqwest::Method::GET, audio_path).header("range", format!("bytes={}-", file.len() + 10));
    let refused = alice.send(beyond).await;
    assert_eq!(refused.headers["content-range"], format!("bytes */{}", file.len()));
    refused.problem(416);

    // Heard on one device shows heard on the other.
    alice.patch(&format!("/user/alice@example.com/message/{id}"), json!({"heard": true})).await.expect(200);
    desk.wait_for("message", |n| n["heard"] == true).await;
    alice.delete(&format!("/user/alice@example.com/message/{id}")).await.expect(204);
    laptop.wait_for("message", |n| n["deleted"] == true).await;
    assert!(alice.get("/user/alice@example.com/message").await.expect(200).as_array().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(server.data_dir().join("messages")).unwrap().count(), 0, "the audio file is removed");
}

#[tokio::test]
async fn text_messages_are_kept_too() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    bob.post("/user/alice@example.com/message", json!({"text": "call me back"})).await.expect(201);
    let listed = alice.get("/user/alice@example.com/message").await.expect(200);
    assert_eq!((listed[0]["kind"].as_str(), listed[0]["text"].as_str()), (Some("text"), Some("call me back")));
    assert!(listed[0]["audio_url"].is_null());
    assert_eq!((&listed[0]["from"], &listed[0]["to"], &listed[0]["heard"]), (&json!("bob@example.com"), &json!("alice@example.com"), &json!(false)));
    // Bob keeps his side of the chat: a copy, heard, in his own mailbox.
    let bobs = bob.get("/user/bob@example.com/message").await.expect(200);
    assert_eq!(bobs.as_array().unwrap().len(), 1);
    assert_eq!(
        (&bobs[0]["from"], &bobs[0]["to"], &bobs[0]["text"], &bobs[0]["heard"]),
        (&json!("bob@example.com"), &json!("alice@example.com"), &json!("call me back"), &json!(true))
    );
    bob.post("/user/alice@example.com/message", json!({"text": "  "})).await.problem(422);
    bob.post("/user/alice@example.com/message", json!({"txt": "typo"})).await.problem(422);
}

#[tokio::test]
async fn bob_cannot_read_alices_messages() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let created = leave_voice(&bob, "alice@example.com", voice()).await.expect(201);
    let path = created["url"].as_str().unwrap();
    bob.get("/user/alice@example.com/message").await.problem(403);
    bob.get(path).await.problem(403);
    bob.get(&format!("{path}/audio")).await.problem(403);
    bob.patch(path, json!({"heard": true})).await.problem(403);
    bob.delete(path).await.problem(403);
    assert_eq!(alice.get(path).await.expect(200)["heard"], false);
}

#[tokio::test]
async fn bad_voice_messages_are_refused_and_nothing_is_stored() {
    let server = TestServer::start_with(|config| config.max_message_bytes = 64 * 1024).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let good = voice();
    let mut corrupt = good.clone();
    corrupt[200] ^= 0x55;
    let detail = leave_voice(&bob, "alice@example.com", corrupt).await.problem(422);
    assert!(detail.contains("Ogg Opus"), "{detail}");
    leave_voice(&bob, "alice@example.com", good[..good.len() / 2].to_vec()).await.problem(422);
    leave_voice(&bob, "alice@example.com", b"RIFF....WAVEfmt ".to_vec()).await.problem(422);
    leave_voice(&bob, "alice@example.com", vec![0; 100 * 1024]).await.problem(413);
    let wrong_type = bob.request(reqwest::Method::POST, "/user/alice@example.com/message").header("content-type", "audio/wav").body(good);
    bob.send(wrong_type).await.problem(415);
    leave_voice(&bob, "nobody@example.com", voice()).await.problem(404);
    assert!(alice.get("/user/alice@example.com/message").await.expect(200).as_array().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(server.data_dir().join("messages")).unwrap().count(), 0);
}

#[tokio::test]
async fn a_killed_upload_leaves_no_message() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let file = voice();
    let mut socket = tokio::net::TcpStream::connect(server.address).await.unwrap();
    let head = format!(
        "POST /user/alice@example.com/message HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: audio/ogg\r\nContent-Length: {}\r\n\r\n",
        bob.token.as_ref().unwrap(),
        file.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&file[..file.len() / 2]).await.unwrap();
    drop(socket);
    // A complete upload after the killed one is the only message there.
    leave_voice(&bob, "alice@example.com", file).await.expect(201);
    assert_eq!(alice.get("/user/alice@example.com/message").await.expect(200).as_array().unwrap().len(), 1);
    let files: Vec<_> = std::fs::read_dir(server.data_dir().join("messages")).unwrap().collect();
    assert_eq!(files.len(), 1);
}
