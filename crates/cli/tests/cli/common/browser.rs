//! Headless chromium driven through chromedriver's WebDriver protocol, where Debian's
//! `chromium` and `chromium-driver` are installed.

use crate::common::http::request;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a process when the test ends, passed or not.
pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `modnas dashboard --port 0 ARGS…` started, killed when the returned guard drops; also
/// returns the `host:port` it printed (always 127.0.0.1 unless `--host` says otherwise).
pub fn start_dashboard<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Killed, String) {
    use std::io::{BufRead, BufReader};
    let mut server = Killed(
        crate::common::modnas()
            .args(["dashboard", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("dashboard: ")
        .unwrap_or_else(|| panic!("the URL is printed, got {line:?}"));
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    (server, addr.to_string())
}

/// A WebDriver session of headless chromium.
pub struct Browser {
    driver: String,
    session: String,
    _chromedriver: Killed,
}

impl Browser {
    /// A session, or `None` where chromium or chromedriver is not installed.
    pub fn start() -> Option<Self> {
        let installed = |p: &str| Path::new(p).exists();
        if !installed("/usr/bin/chromedriver") || !installed("/usr/bin/chromium") {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let chromedriver = Killed(
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let driver = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(&driver).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,1800",
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args } } } });
        let (status, body) = request(&driver, "POST", "/session", Some(&caps.to_string()));
        assert_eq!(status, 200, "a chromium session: {body}");
        let session = serde_json::from_str::<Value>(&body).unwrap()["value"]["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        Some(Self {
            driver,
            session,
            _chromedriver: chromedriver,
        })
    }

    pub fn command(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}/{what}", self.session);
        let (status, text) = request(
            &self.driver,
            method,
            &path,
            body.map(|b| b.to_string()).as_deref(),
        );
        assert_eq!(status, 200, "{what}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()["value"].take()
    }

    /// How many elements `css` matches now.
    pub fn count(&self, css: &str) -> u64 {
        let found = self.command(
            "POST",
            "elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        found.as_array().map_or(0, |a| a.len() as u64)
    }

    /// Opens `url`.
    pub fn open(&self, url: &str) {
        self.command("POST", "url", Some(json!({ "url": url })));
    }

    /// Runs `script` in the page and returns its result.
    pub fn script(&self, script: &str) -> Value {
        let body = json!({ "script": script, "args": [] });
        self.command("POST", "execute/sync", Some(body))
    }

    /// Waits up to 20 s until `css` matches at least `n` elements; returns how many it matches.
    pub fn wait_for(&self, css: &str, n: u64) -> u64 {
        let start = Instant::now();
        while self.count(css) < n && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
        self.count(css)
    }

    /// Saves a PNG of the element `css` matches (the window when `None`) as `name` in the
    /// tests' temporary directory; returns its path.
    pub fn screenshot(&self, css: Option<&str>, name: &str) -> PathBuf {
        let png = match css {
            None => self.command("GET", "screenshot", None),
            Some(css) => {
                // A screenshot shows only what is in the window.
                self.script(&format!(
                    "document.querySelector({}).scrollIntoView()",
                    json!(css)
                ));
                let found = self.command(
                    "POST",
                    "element",
                    Some(json!({ "using": "css selector", "value": css })),
                );
                let id = found
                    .as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("no element {css}"))
                    .to_string();
                self.command("GET", &format!("element/{id}/screenshot"), None)
            }
        };
        let png = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            png.as_str().unwrap(),
        )
        .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&shot, &png).unwrap();
        eprintln!("screenshot: {}", shot.display());
        shot
    }

    /// The page's text.
    pub fn text(&self) -> String {
        self.script("return document.body.innerText")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(
            &self.driver,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}
