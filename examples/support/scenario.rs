//! The demo's scenario: an embedded broker and a terminal simulator over loopback TCP play a
//! short day at the till, and every step is checked.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use sca_ws::{
    broker::Config as BrokerConfig,
    terminal::{Config as TerminalConfig, ReconnectConfig},
    xml::{ResultCode, Transaction},
};

use super::engine::Engine;
use super::pairing::{PosPairing, TerminalPairing};
use super::std_broker::{Broker, Command, Note};
use super::{now, std_terminal};

const PINPAD: &str = "demo-1";
/// The second terminal, in MAC mode: it must be paired before it takes requests.
const PAIRED: &str = "demo-2";
/// Longest wait for any one step.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// A line of the transcript as it arrives: from the POS side or from the terminal.
enum Line {
    Pos(Note),
    Terminal(String),
}

/// Runs the whole scenario, writing the transcript to `print`; `Err` names the step that
/// did not behave.
pub fn run(print: &mut dyn FnMut(&str)) -> Result<(), String> {
    let pairing = Arc::new(PosPairing::open(None, None)?);
    let listening = Broker::listen_paired(
        "127.0.0.1:0",
        BrokerConfig::default(),
        None,
        Some(pairing.clone()),
    );
    let (broker, notes) = listening.map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let port = broker.local_addr().port();
    print(&format!("broker listening on ws://127.0.0.1:{port}/"));
    let (lines_tx, lines) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let terminal = {
        let (stop, tx) = (stop.clone(), lines_tx.clone());
        let config = terminal_config(port);
        std::thread::spawn(move || {
            let engine = Engine::new(Duration::from_secs(3), PINPAD);
            std_terminal::run(config, engine, 7, &stop, |line| {
                let _ = tx.send(Line::Terminal(line));
            });
        })
    };
    let paired_terminal = {
        let (stop, tx) = (stop.clone(), lines_tx.clone());
        let config = TerminalConfig {
            pinpad_id: Some(PAIRED.into()),
            skip_pos_auth: false,
            ..terminal_config(port)
        };
        std::thread::spawn(move || {
            let engine = Engine::new(Duration::from_secs(3), PAIRED);
            let send = move |line: String| {
                let _ = tx.send(Line::Terminal(format!("[{PAIRED}] {line}")));
            };
            std_terminal::run_paired(
                config,
                None,
                engine,
                8,
                &stop,
                send,
                TerminalPairing::default(),
            );
        })
    };
    let mut script = Script {
        pairing,
        broker,
        lines,
        notes: VecDeque::new(),
        term: Vec::new(),
        mark: 0,
        print,
    };
    let result = script.play(notes, &lines_tx);
    stop.store(true, Ordering::Relaxed);
    let _ = terminal.join();
    let _ = paired_terminal.join();
    result
}

fn terminal_config(port: u16) -> TerminalConfig {
    TerminalConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        pinpad_id: Some(PINPAD.into()),
        skip_pos_auth: true,
        reconnect: ReconnectConfig {
            first: Duration::from_millis(300),
            max: Duration::from_secs(2),
            jitter_percent: 0,
            ..ReconnectConfig::default()
        },
        connect_timeout: Duration::from_secs(2),
        ..TerminalConfig::default()
    }
}

struct Script<'a> {
    pairing: Arc<PosPairing>,
    broker: Broker,
    lines: Receiver<Line>,
    /// POS notes received and not yet consumed by a step.
    notes: VecDeque<Note>,
    /// Every terminal line so far; steps look after `mark`.
    term: Vec<String>,
    mark: usize,
    print: &'a mut dyn FnMut(&str),
}

impl Script<'_> {
    fn play(&mut self, notes: Receiver<Note>, lines_tx: &mpsc::Sender<Line>) -> Result<(), String> {
        // Broker notes join the terminal's lines in one ordered stream.
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            while let Ok(note) = notes.recv() {
                if tx.send(Line::Pos(note)).is_err() {
                    return;
                }
            }
        });

        self.step("1. the terminal connects and the handshake completes");
        self.connected()?;

        self.step("2. SESSION START");
        let started = self.request("<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND><BUSINESSDATE>20210709</BUSINESSDATE><SWIPE_AHEAD>1</SWIPE_AHEAD><TRAINING_MODE>0</TRAINING_MODE><INVOICE>123456</INVOICE></TRANSACTION>", "SESSION START")?;
        check(started.is_success(), "SESSION START succeeds")?;

        self.step("3. PAYMENT CAPTURE, cancelled from the secondary port while it runs");
        self.submit("<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND><TRANS_AMOUNT>12.34</TRANS_AMOUNT><PAYMENT_TYPE>CREDIT</PAYMENT_TYPE></TRANSACTION>")?;
        self.terminal_says("PAYMENT CAPTURE")?;
        let cancel = self.request("<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>", "SECONDARYPORT CANCEL")?;
        check(cancel.is_success(), "CANCEL is accepted while CAPTURE runs")?;
        let capture = self.answer("PAYMENT CAPTURE")?;
        check(
            capture.result_code == Some(ResultCode(59001)),
            "CAPTURE ends 59001 CANCELLED",
        )?;

        self.step("4. GET COUNTER");
        let counter = self.request("<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND></TRANSACTION>", "ADMIN GET_COUNTER")?;
        check(
            counter.is_success() && counter.counter.is_some(),
            "GET COUNTER carries COUNTER",
        )?;

        self.step("5. the connection drops; the terminal reconnects by itself");
        self.broker.send(PINPAD, Command::Drop)?;
        self.note(
            |n| matches!(n, Note::Disconnected { .. }),
            "the broker sees the link go",
        )?;
        self.terminal_says("status: disconnected")?;
        self.connected()?;
        let away = self
            .term
            .iter()
            .rev()
            .take_while(|l| !l.contains("status: disconnected"));
        let screen_while_away = away
            .filter(|l| l.starts_with("screen:"))
            .any(|l| !l.contains("Connected to"));
        check(
            !screen_while_away,
            "with a session open, only the icon shows the reconnect",
        )?;

        self.step("6. SESSION FINISH (the session survived the reconnect)");
        let finished = self.request("<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>", "SESSION FINISH")?;
        check(finished.is_success(), "SESSION FINISH succeeds")?;

        self.step("7. another drop, now with no session open: the screen shows it too");
        self.broker.send(PINPAD, Command::Drop)?;
        self.note(
            |n| matches!(n, Note::Disconnected { .. }),
            "the broker sees the link go",
        )?;
        self.terminal_says("status: disconnected")?;
        self.terminal_says("screen: Reconnecting to POS")?;
        self.connected()?;

        self.step("8. clean close");
        self.broker.send(PINPAD, Command::Close)?;
        let closed = self.note(
            |n| matches!(n, Note::Disconnected { .. }),
            "the link closes",
        )?;
        let Note::Disconnected { reason, .. } = closed else {
            unreachable!()
        };
        check(
            reason.starts_with("closed 1000"),
            "the close handshake completes with 1000",
        )?;
        self.paired_segment()?;
        (self.print)("all steps behaved as expected");
        Ok(())
    }

    /// A second terminal in MAC mode: REGISTER, a signed request, a replayed COUNTER refused.
    fn paired_segment(&mut self) -> Result<(), String> {
        self.step("9. a terminal in MAC mode is paired (SECURITY REGISTER)");
        self.note(
            |n| matches!(n, Note::Connected { pinpad } if pinpad == PAIRED),
            "the broker accepts the MAC-mode terminal",
        )?;
        (self.print)("pos  -> register");
        self.broker.send(PAIRED, Command::Register)?;
        self.terminal_says("screen: Enter pairing code")?;
        let registered = self.note(
            |n| matches!(n, Note::Registered { pinpad, .. } if pinpad == PAIRED),
            "the REGISTER answer",
        )?;
        let Note::Registered { label, .. } = registered else {
            unreachable!()
        };

        self.step("10. a signed SESSION START");
        let start = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>";
        let tx = Transaction::decode(start.as_bytes()).map_err(|e| e.to_string())?;
        (self.print)(&format!(
            "pos  -> {start} (the link adds MAC_LABEL {label}, COUNTER, MAC)"
        ));
        self.broker.send(PAIRED, Command::Submit(tx))?;
        let started = self.answer("SESSION START")?;
        check(started.is_success(), "the signed START is accepted")?;
        let counter = started.counter.map(|c| c.get());
        check(counter == Some(1), "the first COUNTER after REGISTER is 1")?;

        self.step("11. the same COUNTER again (a replay) is refused");
        let key = self
            .pairing
            .registration(PAIRED)
            .ok_or("no registration kept")?;
        let mac = sca_ws::mac::compute_mac(key.key(), 1);
        let replay = format!(
            "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND>\
             <MAC_LABEL>{label}</MAC_LABEL><COUNTER>1</COUNTER><MAC>{mac}</MAC></TRANSACTION>"
        );
        let tx = Transaction::decode(replay.as_bytes()).map_err(|e| e.to_string())?;
        (self.print)("pos  -> SESSION FINISH with COUNTER 1 and its valid MAC, sent as is");
        self.broker.send(PAIRED, Command::SubmitAsIs(tx))?;
        let refused = self.answer("SESSION FINISH")?;
        check(!refused.is_success(), "the replayed COUNTER is refused")?;
        check(
            refused.response_text.as_deref() == Some("COUNTER not higher than the last one"),
            "the refusal says the COUNTER is stale",
        )?;
        Ok(())
    }

    fn step(&mut self, title: &str) {
        (self.print)("");
        (self.print)(&format!("== {title}"));
    }

    fn connected(&mut self) -> Result<(), String> {
        self.note(
            |n| matches!(n, Note::Connected { pinpad } if pinpad == PINPAD),
            "the broker accepts the terminal",
        )?;
        self.terminal_says("status: connected")
    }

    fn submit(&mut self, xml: &str) -> Result<(), String> {
        let tx = Transaction::decode(xml.as_bytes()).map_err(|e| format!("demo request: {e}"))?;
        (self.print)(&format!("pos  -> {xml}"));
        self.broker.send(PINPAD, Command::Submit(tx))
    }

    fn request(&mut self, xml: &str, name: &str) -> Result<sca_ws::xml::Response, String> {
        self.submit(xml)?;
        self.answer(name)
    }

    fn answer(&mut self, name: &str) -> Result<sca_ws::xml::Response, String> {
        let what = format!("an answer to {name}");
        match self.note(
            |n| matches!(n, Note::Answered { request, .. } if request == name),
            &what,
        )? {
            Note::Answered { response, .. } => Ok(response),
            _ => unreachable!(),
        }
    }

    /// Waits for a POS note matching `wanted`; an error note fails the step.
    fn note(&mut self, wanted: impl Fn(&Note) -> bool, what: &str) -> Result<Note, String> {
        let deadline = now() + STEP_TIMEOUT;
        loop {
            if let Some(i) = self.notes.iter().position(&wanted) {
                let note = self.notes.remove(i).ok_or("queue")?;
                return Ok(note);
            }
            if let Some(Note::Error { reason, .. }) =
                self.notes.iter().find(|n| matches!(n, Note::Error { .. }))
            {
                return Err(format!("while waiting for {what}: error {reason}"));
            }
            self.receive(deadline, what)?;
        }
    }

    /// Waits for a terminal line containing `text` after the last one matched.
    fn terminal_says(&mut self, text: &str) -> Result<(), String> {
        let deadline = now() + STEP_TIMEOUT;
        loop {
            if let Some(i) = self.term[self.mark..].iter().position(|l| l.contains(text)) {
                self.mark += i + 1;
                return Ok(());
            }
            self.receive(deadline, &format!("terminal line {text:?}"))?;
        }
    }

    fn receive(&mut self, deadline: Instant, what: &str) -> Result<(), String> {
        let wait = deadline.saturating_duration_since(now());
        match self.lines.recv_timeout(wait) {
            Ok(Line::Terminal(line)) => {
                (self.print)(&format!("term    {line}"));
                self.term.push(line);
            }
            Ok(Line::Pos(note)) => {
                (self.print)(&format!("pos  <- {}", describe(&note)));
                self.notes.push_back(note);
            }
            Err(RecvTimeoutError::Timeout) => return Err(format!("timed out waiting for {what}")),
            Err(RecvTimeoutError::Disconnected) => return Err(format!("peers gone before {what}")),
        }
        Ok(())
    }
}

/// A note as `pos_broker` prints it, with the reason of a disconnection.
fn describe(note: &Note) -> String {
    match note {
        Note::Disconnected { reason, .. } => format!("{} ({reason})", note.line()),
        _ => note.line(),
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected: {what}"))
    }
}
