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
use super::std_broker::{Broker, Command, Note};
use super::{now, std_terminal};

const PINPAD: &str = "demo-1";
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
    let (broker, notes) = Broker::listen("127.0.0.1:0", BrokerConfig::default())
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
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
    let mut script = Script {
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
        (self.print)("all steps behaved as expected");
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
