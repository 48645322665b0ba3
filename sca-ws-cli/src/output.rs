//! Lines to stdout that can never stop the service: a closed or full pipe loses the line
//! instead of panicking as `println!` would.

use std::io::Write;

/// Writes `line` and a newline to stdout, ignoring a write failure.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A document on one line, as the line mode prints it: each line trimmed, then joined.
pub fn one_line(xml: &str) -> String {
    xml.lines().map(str::trim).collect()
}

/// A RESPONSE on one line.
pub fn response_line(response: &sca_ws::Response) -> String {
    let mut xml = String::new();
    response.encode_to_string(&mut xml);
    one_line(&xml)
}
