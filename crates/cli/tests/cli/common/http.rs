//! A minimal HTTP/1.1 client over a TCP socket, enough for the dashboard's API and for
//! WebDriver (chromedriver), so the tests need no HTTP crate.

use std::io::{Read, Write};
use std::net::TcpStream;

/// Sends `method path` with an optional JSON body to `addr` (`host:port`); returns the status
/// code and the body.
pub fn request(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Read the head, then exactly the body it announces: a server may keep the connection
    // open after answering (chromedriver does).
    let mut reader = std::io::BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        let before = head.len();
        std::io::BufRead::read_line(&mut reader, &mut head).unwrap();
        assert!(head.len() > before, "{addr} closed mid-head: {head}");
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let lower = head.to_ascii_lowercase();
    let length = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let body = if let Some(n) = length {
        let mut body = vec![0; n];
        reader.read_exact(&mut body).unwrap();
        String::from_utf8_lossy(&body).into_owned()
    } else if lower.contains("transfer-encoding: chunked") {
        let mut raw = String::new();
        while !raw.ends_with("0\r\n\r\n") {
            let before = raw.len();
            std::io::BufRead::read_line(&mut reader, &mut raw).unwrap();
            assert!(raw.len() > before, "{addr} closed mid-body");
        }
        unchunk(&raw)
    } else {
        let mut raw = String::new();
        reader.read_to_string(&mut raw).unwrap();
        raw
    };
    (status, body)
}

/// The body of a chunked response.
fn unchunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        body.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    body
}

/// The JSON body of `GET path`, which must answer 200.
pub fn get_json(addr: &str, path: &str) -> serde_json::Value {
    let (status, body) = request(addr, "GET", path, None);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}
