//! Unsolicited notifications: RESPONSE documents the terminal sends without a request.
//!
//! Source: PROTOCOL.md §3 (\[spec\]: the terminal's unsolicited notifications, such as the
//! consumer notifications, are `RESPONSE` documents, so a POS cannot assume each RESPONSE
//! answers its last request). The broker side tells them apart by its matching rule.

use std::time::Instant;

use super::error::TerminalError;
use super::keys::KeyStore;
use super::machine::{Link, Terminal};
use super::serve::Echo;
use crate::xml::Response;

impl<K: KeyStore> Terminal<K> {
    /// Sends `notification` to the broker as one text message, outside any request: nothing
    /// is echoed into it and no session or counter state changes.
    ///
    /// Errors (nothing is sent, nothing is kept for later): [`TerminalError::NotConnected`]
    /// when no link is up, [`TerminalError::OutboundFull`] when more than
    /// [`TerminalConfig::max_outbound_bytes`](crate::terminal::Config::max_outbound_bytes) wait
    /// to be drained (the same mark [`respond`](Self::respond) obeys).
    pub fn notify(&mut self, now: Instant, notification: &Response) -> Result<(), TerminalError> {
        if !matches!(&self.link, Link::Open { ws } if ws.is_open()) {
            return Err(TerminalError::NotConnected);
        }
        let limit = self.config.max_outbound_bytes;
        if self.queued_bytes > limit {
            return Err(TerminalError::OutboundFull {
                queued: self.queued_bytes,
                limit,
            });
        }
        self.send(now, notification, Echo::default());
        self.pump(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Config as TerminalConfig, Output as TerminalOutput};
    use crate::ws::{Connection, Event, Output, Role, WsConfig};

    fn start() -> Instant {
        // Unit tests need one origin for virtual time; it is read once per test.
        #[allow(clippy::disallowed_methods)]
        Instant::now()
    }

    fn notification() -> Response {
        Response::success("Card inserted")
            .with_field("NOTIFICATION", "CARD_INSERTED")
            .unwrap_or_else(|_| Response::success("Card inserted"))
    }

    /// A terminal whose link is forced open over a client-role connection.
    fn open_terminal(now: Instant, config: TerminalConfig) -> Terminal {
        let mut terminal = Terminal::new(config, now, 3);
        while terminal.poll_output().is_some() {}
        let ws = Connection::new(Role::Client, WsConfig::default(), now, 4);
        terminal.link = Link::Open { ws: Box::new(ws) };
        terminal
    }

    fn transmitted(terminal: &mut Terminal) -> Vec<u8> {
        let mut bytes = Vec::new();
        for _ in 0..1_000 {
            match terminal.poll_output() {
                Some(TerminalOutput::Transmit(b)) => bytes.extend_from_slice(&b),
                Some(_) => {}
                None => break,
            }
        }
        bytes
    }

    #[test]
    fn without_a_link_nothing_is_sent() {
        let now = start();
        let mut terminal = Terminal::new(TerminalConfig::default(), now, 3);
        assert_eq!(
            terminal.notify(now, &notification()),
            Err(TerminalError::NotConnected)
        );
        let transmits = std::iter::from_fn(|| terminal.poll_output())
            .take(100)
            .filter(|o| matches!(o, TerminalOutput::Transmit(_)))
            .count();
        assert_eq!(transmits, 0);
    }

    #[test]
    fn goes_out_as_one_text_message_without_echoes() {
        let now = start();
        let mut terminal = open_terminal(now, TerminalConfig::default());
        assert_eq!(terminal.notify(now, &notification()), Ok(()));
        let bytes = transmitted(&mut terminal);
        let mut broker = Connection::new(Role::Server, WsConfig::default(), now, 5);
        broker.handle_input(now, &bytes);
        let texts: Vec<String> = std::iter::from_fn(|| broker.poll_output())
            .take(100)
            .filter_map(|o| match o {
                Output::Event(Event::Text(t)) => Some(t.as_str().to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(texts.len(), 1);
        let sent = Response::decode(texts[0].as_bytes()).expect("a RESPONSE");
        assert_eq!(sent.fields().get("NOTIFICATION"), Some("CARD_INSERTED"));
        assert_eq!(sent.counter, None);
        assert_eq!(sent.pos_recon(), None);
    }

    #[test]
    fn past_the_outbound_mark_it_is_refused() {
        let now = start();
        let config = TerminalConfig {
            max_outbound_bytes: 10,
            ..TerminalConfig::default()
        };
        let mut terminal = open_terminal(now, config);
        assert_eq!(terminal.notify(now, &notification()), Ok(()));
        let refused = terminal.notify(now, &notification());
        assert!(
            matches!(
                refused,
                Err(TerminalError::OutboundFull { queued, limit: 10 }) if queued > 10
            ),
            "{refused:?}"
        );
        assert!(!transmitted(&mut terminal).is_empty());
        assert_eq!(terminal.notify(now, &notification()), Ok(()), "drained");
    }
}
