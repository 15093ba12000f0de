//! A small W3C WebDriver client (sessions, elements by CSS, click, type,
//! text, attributes, screenshots) over plain HTTP, for driving the real
//! app window through `tauri-driver` and WebKitWebDriver.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session.
pub struct Session {
    agent: ureq::Agent,
    base: String,
    id: String,
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, Some(body)) => agent
            .post(url)
            .header("content-type", "application/json")
            .send(body.to_string()),
        (_, None) => agent.post(url).send_empty(),
    };
    let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    if status >= 300 {
        return Err(format!("{method} {url}: HTTP {status}: {}", v["value"]));
    }
    Ok(v["value"].clone())
}

impl Session {
    /// Starts the app at `application` through the driver at `port`.
    pub fn start(port: u16, application: &str) -> Result<Session, String> {
        let agent = agent();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({
            "capabilities": {
                "alwaysMatch": { "tauri:options": { "application": application } }
            }
        });
        let v = call(&agent, "POST", &format!("{base}/session"), Some(caps))?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_owned();
        Ok(Session { agent, base, id })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.id)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        call(&self.agent, "POST", &self.url(path), Some(body))
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        call(&self.agent, "GET", &self.url(path), None)
    }

    /// Ends the session (the app exits).
    pub fn quit(self) {
        let _ = call(&self.agent, "DELETE", &self.url(""), None);
    }

    /// The elements matching `css` now.
    pub fn all(&self, css: &str) -> Vec<Element> {
        self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        )
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.to_owned())))
        .collect()
    }

    /// The first element matching `css`, waiting up to `limit`.
    pub fn find(&self, css: &str, limit: Duration) -> Element {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(e) = self.all(css).into_iter().next() {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "no element {css:?} within {limit:?}; page text: {}",
                self.page_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the text of the first element matching `css` satisfies
    /// `ok`; that text.
    pub fn wait_text(&self, css: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(e) = self.all(css).into_iter().next() {
                let text = self.text(&e);
                if ok(&text) {
                    return text;
                }
                assert!(
                    Instant::now() < deadline,
                    "{css:?} still reads {text:?} after {limit:?}; page text: {}",
                    self.page_text()
                );
            } else {
                assert!(
                    Instant::now() < deadline,
                    "no element {css:?} within {limit:?}; page text: {}",
                    self.page_text()
                );
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Clicks.
    pub fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .unwrap_or_else(|err| panic!("click: {err}"));
    }

    /// Clicks the first element matching `css` (waits up to 10 s for it).
    pub fn click_css(&self, css: &str) {
        let e = self.find(css, Duration::from_secs(10));
        self.click(&e);
    }

    /// Clears the field and types `text` into it.
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css, Duration::from_secs(10));
        let _ = self.post(&format!("/element/{}/clear", e.0), json!({}));
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }))
            .unwrap_or_else(|err| panic!("typing into {css}: {err}"));
    }

    /// Chooses `value` in the `<select>` matching `css`.
    pub fn select(&self, css: &str, value: &str) {
        self.click_css(&format!("{css} option[value=\"{value}\"]"));
    }

    /// The element's visible text.
    pub fn text(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/text", e.0))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// An attribute of the element.
    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.get(&format!("/element/{}/attribute/{name}", e.0))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    /// The whole page's text (for failure messages).
    pub fn page_text(&self) -> String {
        self.all("body")
            .first()
            .map(|b| self.text(b))
            .unwrap_or_default()
    }

    /// Runs `script` in the page; its result.
    pub fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
            .unwrap_or(Value::Null)
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let v = self
            .get("/screenshot")
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("screenshot is not base64: {e}"))
    }
}
