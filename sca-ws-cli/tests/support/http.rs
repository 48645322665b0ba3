//! A small blocking HTTP/1.1 client for the tests: one request per connection, every read
//! bounded by a timeout, so a server that hangs fails the test instead of hanging it. Also
//! the server side of a WebSocket upgrade, for tests that play a broker by hand.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Longest wait for any read.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = open(addr, method, path, headers, body);
    let (status, headers) = head(&mut stream);
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut raw = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).expect("chunk size");
            let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).expect("chunk");
            if size == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        raw.resize(length, 0);
        stream.read_exact(&mut raw).expect("body");
    } else {
        stream.read_to_end(&mut raw).expect("body");
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(raw).expect("UTF-8 body"),
    }
}

/// Sends a request and returns the stream positioned after the head, for SSE.
pub fn stream(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, BufReader<TcpStream>) {
    let mut stream = open(addr, "GET", path, headers, "");
    let (status, _) = head(&mut stream);
    (status, stream)
}

fn open(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> BufReader<TcpStream> {
    let mut sock = TcpStream::connect(addr).expect("connect to the API");
    sock.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    sock.write_all(text.as_bytes()).expect("send the request");
    BufReader::new(sock)
}

fn head(stream: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    stream.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).expect("header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header with a colon");
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    (status, headers)
}

/// Reads SSE lines until an event named `name` whose data contains `needle`; its data.
/// At most `max_lines` lines are read.
pub fn next_event(
    stream: &mut BufReader<TcpStream>,
    name: &str,
    needle: &str,
    max_lines: usize,
) -> String {
    let mut current = String::new();
    let mut seen = Vec::new();
    for _ in 0..max_lines {
        let mut line = String::new();
        match stream.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => panic!("event stream read: {e}; seen {seen:#?}"),
        }
        let line = line.trim_end().to_owned();
        seen.push(line.clone());
        if let Some(event) = line.strip_prefix("event:") {
            current = event.trim().to_owned();
        } else if let Some(data) = line.strip_prefix("data:")
            && current == name
            && data.contains(needle)
        {
            return data.trim().to_owned();
        }
    }
    panic!("no {name} event with {needle:?}; seen {seen:#?}")
}

/// Plays a broker's half of the upgrade on an accepted `stream`: reads the request head (at
/// most 16 KiB, each read bounded by [`READ_TIMEOUT`]) and answers 101 with the accept key of
/// its `Sec-WebSocket-Key`. The stream is then the test's to read, or to leave unread.
pub fn answer_upgrade(stream: &mut TcpStream) {
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 16 * 1024, "upgrade request head too long");
        stream
            .read_exact(&mut byte)
            .expect("read the upgrade request");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let key = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim())
        })
        .unwrap_or_else(|| panic!("no Sec-WebSocket-Key in {head:?}"));
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        sca_ws::handshake::accept_key(key)
    );
    stream.write_all(answer.as_bytes()).expect("write the 101");
}
