//! A small W3C WebDriver client: plain HTTP and JSON over reqwest, a timeout on every
//! request, and waits that poll until a deadline instead of sleeping.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key a W3C element reference is stored under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const POLL: Duration = Duration::from_millis(100);
/// WebDriver's codes for the modifier keys, for `press`.
pub const CONTROL: &str = "\u{E009}";
pub const SHIFT: &str = "\u{E008}";

pub struct Session {
    http: reqwest::Client,
    url: String,
}

#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Waits until the driver at `base` answers, then starts `application` in a new session.
    pub async fn start(base: &str, application: &str, deadline: Duration) -> Session {
        Self::start_with_args(base, application, &[], deadline).await
    }

    /// As `start`, with command-line arguments for the application.
    pub async fn start_with_args(base: &str, application: &str, args: &[&str], deadline: Duration) -> Session {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < deadline, "the WebDriver server at {base} did not answer within {deadline:?}");
            tokio::time::sleep(POLL).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": application, "args": args } } } });
        let created =
            send(http.post(format!("{base}/session")).json(&capabilities)).await.unwrap_or_else(|e| panic!("no WebDriver session for {application}: {e}"));
        let id = created["sessionId"].as_str().expect("a session id").to_owned();
        Session { http, url: format!("{base}/session/{id}") }
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        send(self.http.get(format!("{}{path}", self.url))).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        send(self.http.post(format!("{}{path}", self.url)).json(&body)).await
    }

    /// Presses `keys` together (down in order, up in reverse), as a keyboard shortcut:
    /// `&[CONTROL, SHIFT, "a"]`.
    pub async fn press(&self, keys: &[&str]) {
        let down = keys.iter().map(|key| json!({ "type": "keyDown", "value": key }));
        let up = keys.iter().rev().map(|key| json!({ "type": "keyUp", "value": key }));
        let steps: Vec<Value> = down.chain(up).collect();
        self.post("/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": steps }] })).await.expect("the window takes the key presses");
    }

    /// What the JavaScript `expression` evaluates to in the window.
    pub async fn evaluate(&self, expression: &str) -> Result<Value, String> {
        self.post("/execute/sync", json!({ "script": format!("return ({expression});"), "args": [] })).await
    }

    /// Waits until the JavaScript `expression` is true in the window.
    pub async fn wait_until(&self, expression: &str, deadline: Duration) {
        let started = Instant::now();
        loop {
            let value = self.evaluate(expression).await;
            if value == Ok(Value::Bool(true)) {
                return;
            }
            assert!(started.elapsed() < deadline, "`{expression}` is still false ({value:?}) after {deadline:?}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// The first element matching the CSS `selector`, if there is one now.
    pub async fn find(&self, selector: &str) -> Option<Element> {
        let found = self.post("/element", json!({ "using": "css selector", "value": selector })).await.ok()?;
        found[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    /// Waits for an element matching `selector`.
    pub async fn wait_for(&self, selector: &str, deadline: Duration) -> Element {
        let started = Instant::now();
        loop {
            if let Some(element) = self.find(selector).await {
                return element;
            }
            assert!(started.elapsed() < deadline, "no element matches {selector} after {deadline:?}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of an element matching `selector` satisfies `check`; returns it.
    pub async fn wait_for_text(&self, selector: &str, deadline: Duration, check: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        let mut last = None;
        loop {
            if let Some(element) = self.find(selector).await
                && let Ok(text) = self.text(&element).await
            {
                if check(&text) {
                    return text;
                }
                last = Some(text);
            }
            assert!(started.elapsed() < deadline, "the text of {selector} is still {last:?} after {deadline:?}");
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn text(&self, element: &Element) -> Result<String, String> {
        let text = self.get(&format!("/element/{}/text", element.0)).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The element's attribute `name`, if it has one.
    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        let value = self.get(&format!("/element/{}/attribute/{name}", element.0)).await.ok()?;
        value.as_str().map(str::to_owned)
    }

    pub async fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({})).await.unwrap_or_else(|e| panic!("cannot click {element:?}: {e}"));
    }

    /// Waits for `selector`, brings it to the middle of the window, then clicks it.
    /// (WebKitWebDriver's own scrolling leaves an element at the window's bottom edge, where
    /// the click focuses it without activating it.)
    pub async fn click_on(&self, selector: &str, deadline: Duration) {
        self.scroll_to(selector, deadline).await;
        let element = self.wait_for(selector, deadline).await;
        self.click(&element).await;
    }

    /// Replaces the value of the input matching `selector` with `text`.
    pub async fn type_into(&self, selector: &str, text: &str, deadline: Duration) {
        let element = self.wait_for(selector, deadline).await;
        self.post(&format!("/element/{}/clear", element.0), json!({})).await.unwrap_or_else(|e| panic!("cannot clear {selector}: {e}"));
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text })).await.unwrap_or_else(|e| panic!("cannot type into {selector}: {e}"));
    }

    /// Moves a range input (a slider) to `value` as a drag would end: its value changes
    /// and it fires `change`.
    pub async fn set_range(&self, selector: &str, value: u64, deadline: Duration) {
        self.wait_for(selector, deadline).await;
        let drag =
            "const input = document.querySelector(arguments[0]); input.value = arguments[1]; input.dispatchEvent(new Event('change', { bubbles: true }));";
        self.post("/execute/sync", json!({ "script": drag, "args": [selector, value.to_string()] }))
            .await
            .unwrap_or_else(|e| panic!("cannot move {selector}: {e}"));
    }

    /// Chooses `value` in the select matching `selector`, as a user's pick does: its value
    /// changes and it fires `change`.
    pub async fn select(&self, selector: &str, value: &str, deadline: Duration) {
        self.wait_for(selector, deadline).await;
        let pick =
            "const select = document.querySelector(arguments[0]); select.value = arguments[1]; select.dispatchEvent(new Event('change', { bubbles: true }));";
        self.post("/execute/sync", json!({ "script": pick, "args": [selector, value] })).await.unwrap_or_else(|e| panic!("cannot choose in {selector}: {e}"));
    }

    /// Scrolls the element matching `selector` into the middle of the window.
    pub async fn scroll_to(&self, selector: &str, deadline: Duration) {
        self.wait_for(selector, deadline).await;
        let scroll = "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });";
        self.post("/execute/sync", json!({ "script": scroll, "args": [selector] })).await.unwrap_or_else(|e| panic!("cannot scroll to {selector}: {e}"));
    }

    /// Resizes the window: from a narrow side panel to a wide one.
    pub async fn set_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height })).await.unwrap_or_else(|e| panic!("cannot resize the window: {e}"));
    }

    /// Shows the page as the system's dark theme would (or back to light): the rules the
    /// app has for `prefers-color-scheme: dark` apply or not. WebDriver has no switch for
    /// the system theme, so the media rule itself is switched.
    pub async fn dark_theme(&self, dark: bool) {
        // The rules are found once: switched on, their media text no longer names the scheme.
        let switch = "window.themeRules ??= [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])\
             .filter((rule) => rule instanceof CSSMediaRule && rule.media.mediaText.includes('prefers-color-scheme: dark'));\
             for (const rule of window.themeRules) rule.media.mediaText = arguments[0] ? 'all' : '(prefers-color-scheme: dark)';";
        self.post("/execute/sync", json!({ "script": switch, "args": [dark] })).await.unwrap_or_else(|e| panic!("cannot switch the theme: {e}"));
    }

    /// The window's content as PNG, once what changed last has been painted.
    pub async fn screenshot(&self) -> Vec<u8> {
        let painted = "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        self.post("/execute/async", json!({ "script": painted, "args": [] })).await.unwrap_or_else(|e| panic!("the window does not paint: {e}"));
        let encoded = self.get("/screenshot").await.unwrap_or_else(|e| panic!("no screenshot: {e}"));
        base64::engine::general_purpose::STANDARD.decode(encoded.as_str().expect("base64 text")).expect("a base64 PNG")
    }

    /// Ends the session, which closes the application.
    pub async fn close(self) {
        if let Err(error) = send(self.http.delete(&self.url)).await {
            eprintln!("closing the WebDriver session failed: {error}");
        }
    }
}

/// Sends a WebDriver request; its `value`, or the WebDriver error as text. A request
/// that did not get through is sent once more: tauri-driver sometimes drops one when
/// WebKitWebDriver has closed the connection it meant to reuse.
async fn send(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let again = request.try_clone().expect("WebDriver requests have plain bodies");
    let response = match request.send().await {
        Ok(response) => response,
        Err(_) => again.send().await.map_err(|e| e.to_string())?,
    };
    let status = response.status();
    let mut body: Value = response.json().await.map_err(|e| e.to_string())?;
    let value = body["value"].take();
    match status.is_success() {
        true => Ok(value),
        false => Err(format!("{status}: {} ({})", value["error"], value["message"])),
    }
}
