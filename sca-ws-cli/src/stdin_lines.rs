//! The stdin line mode of `pos_broker`, kept for hand use: one command per line. Nothing a
//! person (or a pipe) types can stop the service: a line that is not UTF-8, too long or not
//! a command gets an `error` line, and end of input only ends the reading.

use std::io::{BufRead, ErrorKind};

use sca_ws::Transaction;

/// The longest line kept; the rest of a longer one is skipped, so memory stays bounded
/// whatever arrives without a newline.
pub const MAX_LINE: usize = 256 * 1024;

/// What one line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// `ID <TRANSACTION>...</TRANSACTION>`: send the request.
    Submit(Transaction),
    /// `ID close`: close the link cleanly.
    Close,
    /// `ID drop`: cut the TCP connection.
    Drop,
    /// `ID register`: pair (SECURITY REGISTER).
    Register,
    /// `ID unregister`: remove the terminal's default label.
    Unregister,
    /// `ID testmac`: SECURITY TEST_MAC.
    TestMac,
}

/// A line that could not be carried out: the id it named (`-` when none) and why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLine {
    /// The pinpad id of the line, or `-`.
    pub pinpad_id: String,
    /// Why it was refused.
    pub reason: String,
}

impl BadLine {
    fn new(pinpad_id: &str, reason: impl Into<String>) -> Self {
        Self {
            pinpad_id: pinpad_id.to_owned(),
            reason: reason.into(),
        }
    }

    /// The `error ID reason` line printed for it.
    pub fn line(&self) -> String {
        format!("error {} {}", self.pinpad_id, self.reason)
    }
}

/// One line's meaning: `Ok(None)` for a blank line.
pub fn parse(line: &[u8]) -> Result<Option<(String, Command)>, BadLine> {
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(BadLine::new("-", "the line is not UTF-8 text"));
    };
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let (pinpad, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let command = match rest.trim() {
        "close" => Command::Close,
        "drop" => Command::Drop,
        "register" => Command::Register,
        "unregister" => Command::Unregister,
        "testmac" => Command::TestMac,
        "" => {
            return Err(BadLine::new(
                pinpad,
                "expected a TRANSACTION, close, drop, register, unregister or testmac",
            ));
        }
        xml => Command::Submit(
            Transaction::decode(xml.as_bytes())
                .map_err(|e| BadLine::new(pinpad, format!("bad request: {e}")))?,
        ),
    };
    Ok(Some((pinpad.to_owned(), command)))
}

/// Calls `each` with every line of `input` (without its line end) until end of input or a
/// read error; a line longer than [`MAX_LINE`] comes as `Err` instead.
pub fn for_each_line(mut input: impl BufRead, mut each: impl FnMut(Result<&[u8], BadLine>)) {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let (part, ended) = match newline(chunk) {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if !too_long && line.len() + part.len() <= MAX_LINE {
            line.extend_from_slice(part);
        } else {
            too_long = true;
            line.clear();
        }
        let used = ended.unwrap_or(chunk.len());
        input.consume(used);
        if ended.is_some() {
            if too_long {
                each(Err(BadLine::new(
                    "-",
                    format!("the line is longer than {MAX_LINE} bytes"),
                )));
            } else {
                let text = line.strip_suffix(b"\r").unwrap_or(&line);
                each(Ok(text));
            }
            line.clear();
            too_long = false;
        }
    }
    if !line.is_empty() {
        each(Ok(&line));
    }
}

fn newline(chunk: &[u8]) -> Option<usize> {
    chunk.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str =
        "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>";

    #[test]
    fn commands_and_refusals() {
        assert!(matches!(
            parse(format!("7 {START}").as_bytes()),
            Ok(Some((id, Command::Submit(_)))) if id == "7"
        ));
        assert_eq!(parse(b" 7  close "), Ok(Some(("7".into(), Command::Close))));
        assert_eq!(parse(b"7 drop"), Ok(Some(("7".into(), Command::Drop))));
        assert_eq!(parse(b"   "), Ok(None));
        assert_eq!(parse(b"7").unwrap_err().pinpad_id, "7");
        let bad = parse(b"7 <TRANSACTION><FUNCTION_TYPE>").unwrap_err();
        assert!(
            bad.line().starts_with("error 7 bad request"),
            "{}",
            bad.line()
        );
        let not_utf8 = parse(b"7 \xff\xfe close").unwrap_err();
        assert_eq!(not_utf8.line(), "error - the line is not UTF-8 text");
    }

    #[test]
    fn long_lines_are_skipped_and_the_next_one_is_read() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\n7 close\r\nlast");
        let mut seen = Vec::new();
        // A tiny buffer so lines arrive in many chunks.
        let reader = std::io::BufReader::with_capacity(7, &input[..]);
        for_each_line(reader, |line| {
            seen.push(line.map(<[u8]>::to_vec).map_err(|e| e.reason));
        });
        assert_eq!(
            seen.len(),
            3,
            "{:?}",
            seen.iter()
                .map(|r| r.as_ref().map(Vec::len))
                .collect::<Vec<_>>()
        );
        assert!(seen[0].as_ref().unwrap_err().contains("longer than"));
        assert_eq!(seen[1].as_deref(), Ok(&b"7 close"[..]));
        assert_eq!(seen[2].as_deref(), Ok(&b"last"[..]));
    }
}
