//! The demo's scenario (`cargo run --example demo`): a broker of the companion crate and two
//! simulated terminals over loopback TCP (127.0.0.1 only) play a short day at the till, and
//! every step is checked. The transcript shows the POS side (`pos ->` / `pos <-`) and the
//! terminals' own lines (`term`).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sca_ws::terminal::{Config as TerminalConfig, ReconnectConfig};
use sca_ws::xml::{ResultCode, Transaction};
use sca_ws::{CloseCode, Response};
use sca_ws_tokio::broker::{Event, Handle, Server, ServerConfig, SubmitError};
use sca_ws_tokio::terminal::{self, Client, ClientConfig};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::output::response_line;
use crate::pos_pairing::{PosPairing, entry_code};
use crate::sim_handler::{LineSink, SimHandler};
use crate::swarm_stats::SwarmStats;
use crate::terminal_lines::event_line;

/// The terminal in skip-auth mode.
const PINPAD: &str = "demo-1";
/// The second terminal, in MAC mode: it must be paired before it takes requests.
const PAIRED: &str = "demo-2";
/// Longest wait for any one step.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Lines waiting for the script at most; the demo produces far fewer.
const LINE_CAPACITY: usize = 4096;

/// Something the script waits for, in the order it happened.
enum Line {
    /// A broker event.
    Pos(Event),
    /// A terminal's line.
    Terminal(String),
    /// What a request the script submitted came to, by the request's name.
    Done(String, Result<Outcome, SubmitError>),
}

/// What a request brought back.
enum Outcome {
    /// The terminal's RESPONSE.
    Answered(Response),
    /// A REGISTER's new MAC_LABEL.
    Registered(String),
}

impl Outcome {
    fn line(&self) -> String {
        match self {
            Self::Answered(response) => response_line(response),
            Self::Registered(label) => format!("registered, MAC_LABEL {label}"),
        }
    }
}

/// Runs the whole scenario, writing the transcript to `print`; `Err` names the step that
/// did not behave. Call inside a tokio runtime with time enabled.
pub async fn run(print: &mut dyn FnMut(&str)) -> Result<(), String> {
    let (pairing, _) = PosPairing::open(None, None)?;
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = Server::bind(ServerConfig::new(loopback))
        .map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let port = server
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?
        .port();
    let broker = server.handle();
    tokio::spawn(server.run());
    print(&format!("broker listening on ws://127.0.0.1:{port}/"));

    let (tx, lines) = mpsc::channel(LINE_CAPACITY);
    tokio::spawn(forward_events(broker.subscribe(), tx.clone()));
    let plain = start_terminal(terminal_config(port, PINPAD, true), "", &tx);
    let paired = start_terminal(terminal_config(port, PAIRED, false), "[demo-2] ", &tx);
    let mut script = Script {
        broker: broker.clone(),
        pairing,
        tx,
        lines,
        notes: VecDeque::new(),
        answers: VecDeque::new(),
        term: Vec::new(),
        mark: 0,
        print,
    };
    let result = script.play().await;
    plain.close();
    paired.close();
    broker.shutdown(Duration::from_secs(2)).await;
    result
}

/// A terminal of the demo: fast redials, no jitter, so the transcript reads the same each run.
fn terminal_config(port: u16, pinpad_id: &str, skip_pos_auth: bool) -> TerminalConfig {
    TerminalConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        pinpad_id: Some(pinpad_id.into()),
        skip_pos_auth,
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

/// Starts a simulated terminal whose lines (prefixed with `tag`) go to the script.
fn start_terminal(
    config: TerminalConfig,
    tag: &'static str,
    tx: &mpsc::Sender<Line>,
) -> terminal::Handle {
    let sink_tx = tx.clone();
    let sink: LineSink = Arc::new(move |line| {
        // Bounded: a line the script has no room for is lost, never buffered without end.
        let _ = sink_tx.try_send(Line::Terminal(format!("{tag}{line}")));
    });
    let id = config.pinpad_id.clone().unwrap_or_default();
    let stats = Arc::new(SwarmStats::default());
    let handler = SimHandler::new(&id, Duration::from_secs(3), stats, Some(sink.clone()));
    let client = Client::new(ClientConfig::new(config), handler);
    let handle = client.handle();
    let mut events = handle.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(terminal::Event::Stopped) | Err(broadcast::error::RecvError::Closed) => return,
                Ok(event) => {
                    if let Some(line) = event_line(&event) {
                        sink(line);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            }
        }
    });
    tokio::spawn(client.run());
    handle
}

/// The broker's events into the script's lines.
async fn forward_events(mut events: broadcast::Receiver<Event>, tx: mpsc::Sender<Line>) {
    loop {
        match events.recv().await {
            Ok(Event::BookChanged { .. }) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Ok(event) => {
                if tx.send(Line::Pos(event)).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

struct Script<'a> {
    broker: Handle,
    pairing: PosPairing,
    /// For the tasks that submit requests.
    tx: mpsc::Sender<Line>,
    lines: mpsc::Receiver<Line>,
    /// Broker events received and not yet consumed by a step.
    notes: VecDeque<Event>,
    /// Request outcomes received and not yet consumed, by request name.
    answers: VecDeque<(String, Result<Outcome, SubmitError>)>,
    /// Every terminal line so far; steps look after `mark`.
    term: Vec<String>,
    mark: usize,
    print: &'a mut dyn FnMut(&str),
}

impl Script<'_> {
    async fn play(&mut self) -> Result<(), String> {
        self.step("1. the terminal connects and the handshake completes");
        self.connected(PINPAD).await?;

        self.step("2. SESSION START");
        let started = self.request(PINPAD, "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND><BUSINESSDATE>20210709</BUSINESSDATE><SWIPE_AHEAD>1</SWIPE_AHEAD><TRAINING_MODE>0</TRAINING_MODE><INVOICE>123456</INVOICE></TRANSACTION>", "SESSION START").await?;
        check(started.is_success(), "SESSION START succeeds")?;

        self.step("3. PAYMENT CAPTURE, cancelled from the secondary port while it runs");
        self.submit(PINPAD, "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND><TRANS_AMOUNT>12.34</TRANS_AMOUNT><PAYMENT_TYPE>CREDIT</PAYMENT_TYPE></TRANSACTION>", "PAYMENT CAPTURE")?;
        self.terminal_says("PAYMENT CAPTURE").await?;
        let cancel = self.request(PINPAD, "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>", "SECONDARYPORT CANCEL").await?;
        check(cancel.is_success(), "CANCEL is accepted while CAPTURE runs")?;
        let capture = self.answer("PAYMENT CAPTURE").await?;
        check(
            capture.result_code == Some(ResultCode(59001)),
            "CAPTURE ends 59001 CANCELLED",
        )?;

        self.step("4. GET COUNTER");
        let counter = self.request(PINPAD, "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND></TRANSACTION>", "ADMIN GET_COUNTER").await?;
        check(
            counter.is_success() && counter.counter.is_some(),
            "GET COUNTER carries COUNTER",
        )?;

        self.step("5. the connection drops; the terminal reconnects by itself");
        (self.print)(&format!("pos  -> drop {PINPAD}"));
        check(self.broker.drop_link(PINPAD), "the broker holds the link")?;
        self.disconnected(PINPAD).await?;
        self.terminal_says("status: disconnected").await?;
        self.connected(PINPAD).await?;
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
        let finished = self.request(PINPAD, "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>", "SESSION FINISH").await?;
        check(finished.is_success(), "SESSION FINISH succeeds")?;

        self.step("7. another drop, now with no session open: the screen shows it too");
        (self.print)(&format!("pos  -> drop {PINPAD}"));
        check(self.broker.drop_link(PINPAD), "the broker holds the link")?;
        self.disconnected(PINPAD).await?;
        self.terminal_says("status: disconnected").await?;
        self.terminal_says("screen: Reconnecting to POS").await?;
        self.connected(PINPAD).await?;

        self.step("8. clean close");
        (self.print)(&format!("pos  -> close {PINPAD}"));
        let closing = self.broker.close(PINPAD, CloseCode::NORMAL, "end of day");
        closing.map_err(|e| format!("close: {e}"))?;
        let reason = self.disconnected(PINPAD).await?;
        check(
            reason.starts_with("closed 1000"),
            "the close handshake completes with 1000",
        )?;
        self.paired_segment().await?;
        (self.print)("all steps behaved as expected");
        Ok(())
    }

    /// A second terminal in MAC mode: REGISTER, signed requests, then UNREGISTER after
    /// which an unsigned request is refused.
    async fn paired_segment(&mut self) -> Result<(), String> {
        self.step("9. a terminal in MAC mode is paired (SECURITY REGISTER)");
        // It connected at the start, beside the first terminal.
        self.note(
            |e| matches!(e, Event::Connected { pinpad_id, .. } if pinpad_id == PAIRED),
            "the broker accepts the MAC-mode terminal",
        )
        .await?;
        let code = entry_code()?;
        (self.print)(&format!("pos  -> register (the cashier types {code})"));
        let (broker, key) = (self.broker.clone(), self.pairing.key().clone());
        self.spawn_request("SECURITY REGISTER", async move {
            let label = broker.register(PAIRED, &key, &code).await;
            label.map(Outcome::Registered)
        });
        self.terminal_says("screen: Enter pairing code").await?;
        let label = match self.outcome("SECURITY REGISTER").await? {
            Outcome::Registered(label) => label,
            Outcome::Answered(_) => return Err("REGISTER brought no label".into()),
        };

        self.step("10. a signed SESSION START");
        let start = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>";
        (self.print)(&format!(
            "pos  -> {start} (the link adds MAC_LABEL {label}, COUNTER, MAC)"
        ));
        self.submit_quietly(PAIRED, start, "SESSION START")?;
        let started = self.answer("SESSION START").await?;
        check(started.is_success(), "the signed START is accepted")?;
        let counter = started.counter.map(|c| c.get());
        check(counter == Some(1), "the first COUNTER after REGISTER is 1")?;

        self.step("11. SECURITY TEST_MAC: the terminal checks the MAC of label and COUNTER");
        (self.print)("pos  -> SECURITY TEST_MAC (signed with the default label)");
        let test = sca_ws::broker::test_mac_request(None);
        self.submit_transaction(PAIRED, test, "SECURITY TEST_MAC");
        let tested = self.answer("SECURITY TEST_MAC").await?;
        check(tested.is_success(), "the terminal verified the MAC")?;

        self.step("12. SECURITY UNREGISTER; an unsigned request is then refused");
        (self.print)(&format!(
            "pos  -> SECURITY UNREGISTER of {label} (signed with it)"
        ));
        let (broker, unregistering) = (self.broker.clone(), label.clone());
        self.spawn_request("SECURITY UNREGISTER", async move {
            let answer = broker.unregister(PAIRED, Some(&unregistering)).await;
            answer.map(Outcome::Answered)
        });
        let unregistered = self.answer("SECURITY UNREGISTER").await?;
        check(unregistered.is_success(), "UNREGISTER succeeds")?;
        let finish = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>";
        (self.print)(&format!("pos  -> {finish} (no label left: sent unsigned)"));
        self.submit_quietly(PAIRED, finish, "SESSION FINISH")?;
        let refused = self.answer("SESSION FINISH").await?;
        check(
            !refused.is_success(),
            "a MAC-mode terminal refuses an unsigned request",
        )?;
        Ok(())
    }

    fn step(&mut self, title: &str) {
        (self.print)("");
        (self.print)(&format!("== {title}"));
    }

    /// Waits for the broker to accept `id` and the first terminal to show it.
    async fn connected(&mut self, id: &str) -> Result<(), String> {
        self.note(
            |e| matches!(e, Event::Connected { pinpad_id, .. } if pinpad_id == id),
            "the broker accepts the terminal",
        )
        .await?;
        self.terminal_says("status: connected").await
    }

    /// Waits for the broker to see `id`'s link go; returns why, in words.
    async fn disconnected(&mut self, id: &str) -> Result<String, String> {
        let event = self
            .note(
                |e| matches!(e, Event::Disconnected { pinpad_id, .. } if pinpad_id == id),
                "the broker sees the link go",
            )
            .await?;
        match event {
            Event::Disconnected { reason, .. } => Ok(reason.to_string()),
            _ => Err("not a disconnection".into()),
        }
    }

    /// Prints and submits `xml` to `id` as the request `name`; the answer arrives as a line.
    fn submit(&mut self, id: &str, xml: &str, name: &str) -> Result<(), String> {
        (self.print)(&format!("pos  -> {xml}"));
        self.submit_quietly(id, xml, name)
    }

    fn submit_quietly(&mut self, id: &str, xml: &str, name: &str) -> Result<(), String> {
        let tx = Transaction::decode(xml.as_bytes()).map_err(|e| format!("demo request: {e}"))?;
        self.submit_transaction(id, tx, name);
        Ok(())
    }

    fn submit_transaction(&mut self, id: &str, request: Transaction, name: &str) {
        let (broker, id) = (self.broker.clone(), id.to_owned());
        self.spawn_request(name, async move {
            let answer = broker.submit(&id, request).await;
            answer.map(Outcome::Answered)
        });
    }

    /// Runs `request` as a task; its outcome arrives as a line named `name`.
    fn spawn_request(
        &self,
        name: &str,
        request: impl Future<Output = Result<Outcome, SubmitError>> + Send + 'static,
    ) {
        let (tx, name) = (self.tx.clone(), name.to_owned());
        tokio::spawn(async move {
            let outcome = request.await;
            let _ = tx.send(Line::Done(name, outcome)).await;
        });
    }

    async fn request(&mut self, id: &str, xml: &str, name: &str) -> Result<Response, String> {
        self.submit(id, xml, name)?;
        self.answer(name).await
    }

    /// Waits for the RESPONSE to the request `name`.
    async fn answer(&mut self, name: &str) -> Result<Response, String> {
        match self.outcome(name).await? {
            Outcome::Answered(response) => Ok(response),
            Outcome::Registered(_) => Err(format!("{name} brought no RESPONSE")),
        }
    }

    /// Waits for what the request `name` came to; `Err` says why it got nothing.
    async fn outcome(&mut self, name: &str) -> Result<Outcome, String> {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if let Some(i) = self.answers.iter().position(|(n, _)| n == name) {
                let (_, outcome) = self.answers.remove(i).ok_or("queue")?;
                return outcome.map_err(|e| format!("{name}: {e}"));
            }
            self.receive(deadline, &format!("an answer to {name}"))
                .await?;
        }
    }

    /// Waits for a broker event matching `wanted`.
    async fn note(&mut self, wanted: impl Fn(&Event) -> bool, what: &str) -> Result<Event, String> {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if let Some(i) = self.notes.iter().position(&wanted) {
                return self.notes.remove(i).ok_or_else(|| "queue".to_owned());
            }
            self.receive(deadline, what).await?;
        }
    }

    /// Waits for a terminal line containing `text` after the last one matched.
    async fn terminal_says(&mut self, text: &str) -> Result<(), String> {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if let Some(i) = self.term[self.mark..].iter().position(|l| l.contains(text)) {
                self.mark += i + 1;
                return Ok(());
            }
            self.receive(deadline, &format!("terminal line {text:?}"))
                .await?;
        }
    }

    /// Takes the next line (printing it), or fails once `deadline` passes.
    async fn receive(&mut self, deadline: Instant, what: &str) -> Result<(), String> {
        let line = tokio::time::timeout_at(deadline, self.lines.recv()).await;
        match line {
            Ok(Some(Line::Terminal(line))) => {
                (self.print)(&format!("term    {line}"));
                self.term.push(line);
            }
            Ok(Some(Line::Pos(event))) => {
                (self.print)(&format!("pos  <- {}", describe(&event)));
                self.notes.push_back(event);
            }
            Ok(Some(Line::Done(name, outcome))) => {
                let text = match &outcome {
                    Ok(outcome) => outcome.line(),
                    Err(e) => format!("no answer: {e}"),
                };
                (self.print)(&format!("pos  <- {name}: {text}"));
                self.answers.push_back((name, outcome));
            }
            Ok(None) => return Err(format!("peers gone before {what}")),
            Err(_) => return Err(format!("timed out waiting for {what}")),
        }
        Ok(())
    }
}

/// A broker event as one transcript line.
fn describe(event: &Event) -> String {
    match event {
        Event::Connected { pinpad_id, .. } => format!("connected {pinpad_id}"),
        Event::Disconnected { pinpad_id, reason } => format!("disconnected {pinpad_id} ({reason})"),
        Event::Unsolicited {
            pinpad_id,
            response,
        } => {
            format!("unsolicited {pinpad_id} {}", response_line(response))
        }
        Event::Replaced { pinpad_id, .. } => format!("replaced {pinpad_id}"),
        other => format!("{other:?}"),
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected: {what}"))
    }
}
