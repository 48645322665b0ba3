//! The terminal's configuration, in its own parameter names.
//!
//! SCA reads its settings as `KEY=VALUE` lines. The names below are the ones the SCA
//! Functional Specification uses for the WebSocket link (PROTOCOL.md §5.7) where it names them;
//! where nobody public does (TLS switch, URL path, pinpad id, reconnect delays, icon paths,
//! handshake timeout) the crate chooses a name in the same style, listed in [`keys`].

use std::fmt;
use std::time::Duration;

/// The parameter names [`TerminalConfig::parse`] understands (case-insensitive).
///
/// Every other key is kept in [`TerminalConfig::extra`] so an application can read the
/// settings it owns (TCP keepalive, CA files, ...) from the same text; those not in
/// [`IO_LAYER`](keys::IO_LAYER) are also reported as [`ConfigWarning::UnknownKey`].
pub mod keys {
    /// Which POS links SCA accepts; the value `WEBSOCKETS` selects this link (\[spec\]).
    pub const POS_CONNECT_ALLOW: &str = "POSCONNECTALLOW";
    /// `1` skips MAC / MAC_LABEL / COUNTER checks when [`POS_CONNECT_ALLOW`] is `WEBSOCKETS` (\[seed\]).
    pub const SKIP_POS_AUTH: &str = "SKIPPOSAUTH";
    /// The broker's host name or IP address (\[spec\]).
    pub const ADDRESS: &str = "WEBSOCKETADDRESS";
    /// The broker's TCP port (\[spec\]).
    pub const PORT: &str = "WEBSOCKETPORT";
    /// Seconds between keepalive pings; `0` sends none (\[spec\]).
    pub const PING_INTERVAL: &str = "WEBSOCKETPINGINTERVAL_1";
    /// Milliseconds a keepalive ping may wait for its pong before the link counts as lost;
    /// absent, the ping interval capped at 30 s (\[choice\]).
    pub const PONG_TIMEOUT_MS: &str = "WEBSOCKETPONGTIMEOUT_MS";
    /// `1` for wss (TLS), `0` for plain ws (\[choice\]).
    pub const TLS: &str = "WEBSOCKETTLS";
    /// The request-target of the Upgrade request, e.g. `/` (\[choice\]).
    pub const PATH: &str = "WEBSOCKETPATH";
    /// The value sent in the `x-vfi-pinpad-id` header; empty sends no header (\[choice\]).
    pub const PINPAD_ID: &str = "WEBSOCKETPINPADID";
    /// Milliseconds before the first retry after a failed connect (\[choice\]).
    pub const RECONNECT_FIRST_MS: &str = "WEBSOCKETRECONNECTFIRST_MS";
    /// Cap, in milliseconds, of the doubling retry delay (\[choice\]).
    pub const RECONNECT_MAX_MS: &str = "WEBSOCKETRECONNECTMAX_MS";
    /// Up to this percentage is taken off each retry delay at random (\[choice\]).
    pub const RECONNECT_JITTER_PCT: &str = "WEBSOCKETRECONNECTJITTER_PCT";
    /// Milliseconds a link must stay up before the retry delay starts over (\[choice\]).
    pub const RECONNECT_STABLE_MS: &str = "WEBSOCKETRECONNECTSTABLE_MS";
    /// Milliseconds allowed from "open a connection" to the broker's 101 answer (\[choice\]).
    pub const CONNECT_TIMEOUT_MS: &str = "WEBSOCKETCONNECTTIMEOUT_MS";
    /// Path of the status-bar icon shown while the link is up (\[seed\]).
    pub const ICON_CONNECTED: &str = "WEBSOCKETICONCONNECTED";
    /// Path of the status-bar icon shown while the link is down (\[seed\]).
    pub const ICON_DISCONNECTED: &str = "WEBSOCKETICONDISCONNECTED";

    /// Every key the state machine reads, for spotting misspellings.
    pub const TERMINAL: &[&str] = &[
        POS_CONNECT_ALLOW,
        SKIP_POS_AUTH,
        ADDRESS,
        PORT,
        PING_INTERVAL,
        PONG_TIMEOUT_MS,
        TLS,
        PATH,
        PINPAD_ID,
        RECONNECT_FIRST_MS,
        RECONNECT_MAX_MS,
        RECONNECT_JITTER_PCT,
        RECONNECT_STABLE_MS,
        CONNECT_TIMEOUT_MS,
        ICON_CONNECTED,
        ICON_DISCONNECTED,
    ];

    /// WebSocket keys of the SCA specification that belong to the I/O layer (TCP keepalive,
    /// CA file): kept in `extra` for the driver, and not reported as unknown (\[spec\]).
    pub const IO_LAYER: &[&str] = &[
        "WEBSOCKETKEEPALIVEENABLED",
        "WEBSOCKETKEEPALIVECNT",
        "WEBSOCKETKEEPALIVEIDLE",
        "WEBSOCKETKEEPALIVEINTVL",
        "WEBSOCKETSSL_CA_CERT_FILE",
    ];
}

/// The `POSCONNECTALLOW` value that selects the WebSocket link (\[seed\]).
pub(crate) const POS_CONNECT_WEBSOCKETS: &str = "WEBSOCKETS";
/// Default broker host, from the SCA specification's parameter table.
pub(crate) const DEFAULT_ADDRESS: &str = "dev-poscloud.vficloud.net";
/// Default icon while connected (\[seed\]).
pub(crate) const DEFAULT_ICON_CONNECTED: &str = "/home/usr1/flash/www/images/wbs_connected.png";
/// Default icon while disconnected (\[seed\]).
pub(crate) const DEFAULT_ICON_DISCONNECTED: &str =
    "/home/usr1/flash/www/images/wbs_disconnected.png";

/// Retry delays after a failed or lost link: capped exponential backoff with jitter.
///
/// Try `n` (counting from 0) waits `min(first * 2^n, max)`, minus a random share of up to
/// `jitter_percent` percent of it, drawn from the terminal's seed. The count `n` (and the
/// retry number on screen) starts over only once a link has stayed up for `stable_after`, so
/// a broker that accepts and drops every link is dialled ever more slowly, not every second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectConfig {
    /// Delay before the first retry. Default 1 s.
    pub first: Duration,
    /// Largest delay between tries. Default 60 s.
    pub max: Duration,
    /// Random share (0..=100) taken off each delay so terminals do not retry in lockstep.
    /// Default 20.
    pub jitter_percent: u8,
    /// How long a link must stay up before the schedule starts over. Default 30 s: a link
    /// that has not outlived one capped pong timeout has not shown that the broker answers.
    pub stable_after: Duration,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter_percent: 20,
            stable_after: Duration::from_secs(30),
        }
    }
}

/// Everything the terminal state machine needs to know, with the defaults SCA documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalConfig {
    /// `POSCONNECTALLOW`, as given. Default `WEBSOCKETS`.
    pub pos_connect_allow: String,
    /// `SKIPPOSAUTH=1`. Default `false` (full MAC / COUNTER checks).
    pub skip_pos_auth: bool,
    /// `WEBSOCKETADDRESS`. Default `dev-poscloud.vficloud.net`.
    pub host: String,
    /// `WEBSOCKETPORT`. Default 443.
    pub port: u16,
    /// wss when `true`. Default `true` (port 443 is HTTPS).
    pub tls: bool,
    /// Request-target of the Upgrade request. Default `/` (the seed's).
    pub path: String,
    /// `x-vfi-pinpad-id` header value. Default none.
    pub pinpad_id: Option<String>,
    /// Keepalive ping interval; `None` sends no pings. Default 45 s (\[spec\]).
    pub ping_interval: Option<Duration>,
    /// How long a keepalive ping may wait for its pong before the link counts as lost and
    /// is dialled again. `None` (the default) takes the ping interval capped at 30 s
    /// ([`ws::Config::effective_pong_timeout`](crate::ws::Config::effective_pong_timeout)).
    pub pong_timeout: Option<Duration>,
    /// Retry delays.
    pub reconnect: ReconnectConfig,
    /// Time allowed from "open a connection" to the broker's 101. Default 15 s.
    pub connect_timeout: Duration,
    /// Icon path while connected. Default `/home/usr1/flash/www/images/wbs_connected.png`.
    pub icon_connected: String,
    /// Icon path while disconnected. Default `/home/usr1/flash/www/images/wbs_disconnected.png`.
    pub icon_disconnected: String,
    /// Requests delivered to the application and not answered yet, at most; one more is
    /// answered `DEVICE IS BUSY` by the machine. Bounds memory against a flooding POS.
    /// Default 8.
    pub max_pending_requests: usize,
    /// MAC labels whose last COUNTER is remembered, at most. A request under a label beyond
    /// that is refused (its COUNTER cannot be checked) until a label is unregistered.
    /// Default 64.
    pub max_mac_labels: usize,
    /// Largest WebSocket message (one XML document) accepted, in bytes. Default 64 KiB.
    pub max_message_size: usize,
    /// Bytes waiting in [`Terminal::poll_output`](crate::Terminal::poll_output) above which
    /// [`respond`](crate::Terminal::respond) refuses with `Backpressure`. Default 1 MiB.
    pub max_outbound_bytes: usize,
    /// Largest handshake response accepted, in bytes. Default 8 KiB.
    pub max_handshake_bytes: usize,
    /// Send `x-vfi-pinpad-id : 1` with the space before the colon, as real terminals do,
    /// instead of the RFC 9112 form. Default `false`.
    pub seed_pinpad_spacing: bool,
    /// Keys the terminal does not know, in the order read (TCP keepalive and CA-file settings
    /// belong to the I/O layer and land here).
    pub extra: Vec<(String, String)>,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        Self {
            pos_connect_allow: POS_CONNECT_WEBSOCKETS.to_owned(),
            skip_pos_auth: false,
            host: DEFAULT_ADDRESS.to_owned(),
            port: 443,
            tls: true,
            path: "/".to_owned(),
            pinpad_id: None,
            ping_interval: Some(Duration::from_secs(45)),
            pong_timeout: None,
            reconnect: ReconnectConfig::default(),
            connect_timeout: Duration::from_secs(15),
            icon_connected: DEFAULT_ICON_CONNECTED.to_owned(),
            icon_disconnected: DEFAULT_ICON_DISCONNECTED.to_owned(),
            max_pending_requests: 8,
            max_mac_labels: 64,
            max_message_size: 64 * 1024,
            max_outbound_bytes: 1024 * 1024,
            max_handshake_bytes: 8 * 1024,
            seed_pinpad_spacing: false,
            extra: Vec::new(),
        }
    }
}

/// Why configuration text was refused. Every variant names the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A non-empty, non-comment line without `=`.
    MissingEquals {
        /// 1-based line number.
        line: usize,
    },
    /// A line starting with `=`.
    EmptyKey {
        /// 1-based line number.
        line: usize,
    },
    /// A known key with a value it cannot take.
    InvalidValue {
        /// The key as written.
        key: String,
        /// 1-based line number.
        line: usize,
        /// The value as written (trimmed).
        value: String,
        /// What the key accepts.
        expected: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingEquals { line } => write!(f, "line {line}: expected KEY=VALUE"),
            Self::EmptyKey { line } => write!(f, "line {line}: empty key"),
            Self::InvalidValue {
                key,
                line,
                value,
                expected,
            } => write!(
                f,
                "line {line}: invalid value {value:?} for {key}: expected {expected}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Something in the configuration the caller should hear about, though it is not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigWarning {
    /// A key the terminal does not read (kept in [`TerminalConfig::extra`]). A real SCA file
    /// holds many keys for other parts of the device, so this is a report, not a refusal.
    UnknownKey {
        /// The key as written.
        key: String,
        /// 1-based line number.
        line: usize,
        /// A known key spelled almost the same, when there is one (a likely typo).
        suggestion: Option<&'static str>,
    },
    /// `SKIPPOSAUTH=1` over plain `ws://`: requests are neither signed nor sent over TLS, so
    /// nothing authenticates the POS at all.
    SkipAuthWithoutTls,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey {
                key,
                line,
                suggestion: Some(known),
            } => write!(f, "line {line}: unknown key {key} (did you mean {known}?)"),
            Self::UnknownKey { key, line, .. } => write!(f, "line {line}: unknown key {key}"),
            Self::SkipAuthWithoutTls => write!(
                f,
                "SKIPPOSAUTH=1 without TLS: the POS link has no authentication at all"
            ),
        }
    }
}

/// What [`TerminalConfig::parse`] read: the configuration, and the warnings the caller should
/// log or show (unknown keys, risky combinations).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "the warnings report misspelled keys and unsafe settings"]
pub struct Parsed {
    /// The configuration read over the defaults.
    pub config: TerminalConfig,
    /// What was odd about it, in line order, then [`TerminalConfig::warnings`].
    pub warnings: Vec<ConfigWarning>,
}

impl TerminalConfig {
    /// Reads `KEY=VALUE` lines over the defaults.
    ///
    /// Blank lines and lines starting with `#` or `;` are skipped; keys are matched
    /// case-insensitively; keys and values are trimmed; a key given twice keeps its last value.
    /// Unknown keys go to [`extra`](Self::extra) and are reported in
    /// [`Parsed::warnings`], with [`warnings`](Self::warnings) of the result after them.
    /// A line that cannot be read, or a known key with a bad value, is an error.
    pub fn parse(text: &str) -> Result<Parsed, ConfigError> {
        let mut config = Self::default();
        let mut warnings = Vec::new();
        let mut first_line = 0;
        let mut max_line = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let Some((key, value)) = trimmed.split_once('=') else {
                return Err(ConfigError::MissingEquals { line });
            };
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() {
                return Err(ConfigError::EmptyKey { line });
            }
            if !config.set(key, value, line)? && !is_io_layer_key(key) {
                warnings.push(ConfigWarning::UnknownKey {
                    key: key.to_owned(),
                    line,
                    suggestion: suggest_key(key),
                });
            }
            if key.eq_ignore_ascii_case(keys::RECONNECT_FIRST_MS) {
                first_line = line;
            } else if key.eq_ignore_ascii_case(keys::RECONNECT_MAX_MS) {
                max_line = line;
            }
        }
        if config.reconnect.max < config.reconnect.first {
            // Name whichever of the two was written last: that is the line to fix.
            let (key, line, value) = if max_line >= first_line {
                (keys::RECONNECT_MAX_MS, max_line, config.reconnect.max)
            } else {
                (keys::RECONNECT_FIRST_MS, first_line, config.reconnect.first)
            };
            return Err(ConfigError::InvalidValue {
                key: key.to_owned(),
                line,
                value: value.as_millis().to_string(),
                expected: "WEBSOCKETRECONNECTMAX_MS at least WEBSOCKETRECONNECTFIRST_MS",
            });
        }
        warnings.extend(config.warnings());
        Ok(Parsed { config, warnings })
    }

    /// Settings that work but that the caller should hear about, however the configuration
    /// was built: today, skip-auth over plain ws.
    pub fn warnings(&self) -> Vec<ConfigWarning> {
        let mut warnings = Vec::new();
        if self.auth_skipped() && !self.tls {
            warnings.push(ConfigWarning::SkipAuthWithoutTls);
        }
        warnings
    }

    /// Whether MAC, MAC_LABEL and COUNTER checks are off: `SKIPPOSAUTH=1` **and**
    /// `POSCONNECTALLOW=WEBSOCKETS` (\[seed\]); SECURITY commands are then refused.
    pub fn auth_skipped(&self) -> bool {
        self.skip_pos_auth
            && self
                .pos_connect_allow
                .trim()
                .eq_ignore_ascii_case(POS_CONNECT_WEBSOCKETS)
    }

    /// The value of an unknown key kept in [`extra`](Self::extra) (last one wins).
    pub fn extra_value(&self, key: &str) -> Option<&str> {
        self.extra
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The configuration as `KEY=VALUE` text that [`parse`](Self::parse) reads back to the
    /// same value (limits that have no parameter name are not written).
    pub fn to_kv_text(&self) -> String {
        let ms = |d: Duration| d.as_millis().to_string();
        let mut lines = vec![
            (keys::POS_CONNECT_ALLOW, self.pos_connect_allow.clone()),
            (
                keys::SKIP_POS_AUTH,
                u8::from(self.skip_pos_auth).to_string(),
            ),
            (keys::ADDRESS, self.host.clone()),
            (keys::PORT, self.port.to_string()),
            (keys::TLS, u8::from(self.tls).to_string()),
            (keys::PATH, self.path.clone()),
            (keys::PINPAD_ID, self.pinpad_id.clone().unwrap_or_default()),
            (
                keys::PING_INTERVAL,
                self.ping_interval.map_or(0, |d| d.as_secs()).to_string(),
            ),
            (keys::RECONNECT_FIRST_MS, ms(self.reconnect.first)),
            (keys::RECONNECT_MAX_MS, ms(self.reconnect.max)),
            (
                keys::RECONNECT_JITTER_PCT,
                self.reconnect.jitter_percent.to_string(),
            ),
            (keys::RECONNECT_STABLE_MS, ms(self.reconnect.stable_after)),
            (keys::CONNECT_TIMEOUT_MS, ms(self.connect_timeout)),
            (keys::ICON_CONNECTED, self.icon_connected.clone()),
            (keys::ICON_DISCONNECTED, self.icon_disconnected.clone()),
        ];
        if let Some(timeout) = self.pong_timeout {
            lines.push((keys::PONG_TIMEOUT_MS, ms(timeout)));
        }
        let mut out = String::new();
        for (key, value) in lines.drain(..) {
            out.push_str(key);
            out.push('=');
            out.push_str(&value);
            out.push('\n');
        }
        for (key, value) in &self.extra {
            out.push_str(key);
            out.push('=');
            out.push_str(value);
            out.push('\n');
        }
        out
    }

    /// Applies one line; `Ok(false)` when the key is not one the terminal reads.
    fn set(&mut self, key: &str, value: &str, line: usize) -> Result<bool, ConfigError> {
        let invalid = |expected: &'static str| ConfigError::InvalidValue {
            key: key.to_owned(),
            line,
            value: value.to_owned(),
            expected,
        };
        let upper = key.to_ascii_uppercase();
        match upper.as_str() {
            keys::POS_CONNECT_ALLOW => {
                if value.is_empty() {
                    return Err(invalid("a connection type such as WEBSOCKETS"));
                }
                self.pos_connect_allow = value.to_owned();
            }
            keys::SKIP_POS_AUTH => self.skip_pos_auth = parse_bool(value).ok_or(invalid(BOOL))?,
            keys::TLS => self.tls = parse_bool(value).ok_or(invalid(BOOL))?,
            keys::ADDRESS => {
                if value.is_empty() || !value.bytes().all(is_host_byte) {
                    return Err(invalid("a host name or IP address"));
                }
                self.host = value.to_owned();
            }
            keys::PORT => {
                self.port = value
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or(invalid("a port number 1..=65535"))?;
            }
            keys::PATH => {
                if !value.starts_with('/') || !value.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(invalid("a path starting with / without spaces"));
                }
                self.path = value.to_owned();
            }
            keys::PINPAD_ID => {
                if !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
                    return Err(invalid("printable ASCII"));
                }
                self.pinpad_id = (!value.is_empty()).then(|| value.to_owned());
            }
            keys::PING_INTERVAL => {
                let secs = parse_u64(value, 86_400).ok_or(invalid("seconds 0..=86400"))?;
                self.ping_interval = (secs != 0).then(|| Duration::from_secs(secs));
            }
            keys::PONG_TIMEOUT_MS => {
                let ms = parse_u64(value, MAX_DELAY_MS)
                    .filter(|ms| *ms != 0)
                    .ok_or(invalid("milliseconds 1..=86400000"))?;
                self.pong_timeout = Some(Duration::from_millis(ms));
            }
            keys::RECONNECT_STABLE_MS => {
                let ms =
                    parse_u64(value, MAX_DELAY_MS).ok_or(invalid("milliseconds 0..=86400000"))?;
                self.reconnect.stable_after = Duration::from_millis(ms);
            }
            keys::RECONNECT_FIRST_MS => {
                let ms = parse_u64(value, MAX_DELAY_MS)
                    .filter(|ms| *ms != 0)
                    .ok_or(invalid("milliseconds 1..=86400000"))?;
                self.reconnect.first = Duration::from_millis(ms);
            }
            keys::RECONNECT_MAX_MS => {
                let ms = parse_u64(value, MAX_DELAY_MS)
                    .filter(|ms| *ms != 0)
                    .ok_or(invalid("milliseconds 1..=86400000"))?;
                self.reconnect.max = Duration::from_millis(ms);
            }
            keys::RECONNECT_JITTER_PCT => {
                self.reconnect.jitter_percent = parse_u64(value, 100)
                    .and_then(|p| u8::try_from(p).ok())
                    .ok_or(invalid("a percentage 0..=100"))?;
            }
            keys::CONNECT_TIMEOUT_MS => {
                let ms = parse_u64(value, MAX_DELAY_MS)
                    .filter(|ms| *ms != 0)
                    .ok_or(invalid("milliseconds 1..=86400000"))?;
                self.connect_timeout = Duration::from_millis(ms);
            }
            keys::ICON_CONNECTED => {
                if value.is_empty() {
                    return Err(invalid("a file path"));
                }
                self.icon_connected = value.to_owned();
            }
            keys::ICON_DISCONNECTED => {
                if value.is_empty() {
                    return Err(invalid("a file path"));
                }
                self.icon_disconnected = value.to_owned();
            }
            _ => {
                self.extra.push((key.to_owned(), value.to_owned()));
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn is_io_layer_key(key: &str) -> bool {
    keys::IO_LAYER.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The known key closest to `key` when it is at most two edits away (a typo, or a dropped
/// `_1` suffix as in `WEBSOCKETPINGINTERVAL`).
fn suggest_key(key: &str) -> Option<&'static str> {
    let upper = key.to_ascii_uppercase();
    keys::TERMINAL
        .iter()
        .chain(keys::IO_LAYER)
        .map(|known| (edit_distance(upper.as_bytes(), known.as_bytes()), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let substitute = diagonal + usize::from(ca != cb);
            row[j + 1] = substitute.min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

const BOOL: &str = "0 or 1 (also on/off, true/false, yes/no)";
/// One day: a longer retry or timeout is surely a typo.
const MAX_DELAY_MS: u64 = 86_400_000;

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "on" | "true" | "yes" => Some(true),
        "0" | "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_u64(value: &str, max: u64) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().filter(|v| *v <= max)
}

/// Bytes allowed in a host name, IPv4 address or bracketed IPv6 address.
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = TerminalConfig::default();
        assert_eq!(c.host, "dev-poscloud.vficloud.net");
        assert_eq!(c.port, 443);
        assert_eq!(c.ping_interval, Some(Duration::from_secs(45)));
        assert_eq!(
            c.icon_connected,
            "/home/usr1/flash/www/images/wbs_connected.png"
        );
        assert_eq!(
            c.icon_disconnected,
            "/home/usr1/flash/www/images/wbs_disconnected.png"
        );
        assert!(!c.auth_skipped());
    }

    #[test]
    fn parses_terminal_parameters_and_keeps_unknown_keys() {
        let text = "\
# terminal settings
POSCONNECTALLOW=WEBSOCKETS
SKIPPOSAUTH=1
WEBSOCKETADDRESS = 192.168.29.207
websocketport=8080
WEBSOCKETTLS=off
WEBSOCKETPATH=/sca
WEBSOCKETPINPADID=1
WEBSOCKETPINGINTERVAL_1=0
WEBSOCKETRECONNECTFIRST_MS=500
WEBSOCKETRECONNECTMAX_MS=30000
WEBSOCKETRECONNECTJITTER_PCT=10
WEBSOCKETKEEPALIVECNT=5
WEBSOCKETICONCONNECTED=/tmp/up.png
";
        let c = TerminalConfig::parse(text).unwrap().config;
        assert!(c.auth_skipped());
        assert_eq!(c.host, "192.168.29.207");
        assert_eq!(c.port, 8080);
        assert!(!c.tls);
        assert_eq!(c.path, "/sca");
        assert_eq!(c.pinpad_id.as_deref(), Some("1"));
        assert_eq!(c.ping_interval, None);
        assert_eq!(c.reconnect.first, Duration::from_millis(500));
        assert_eq!(c.reconnect.max, Duration::from_secs(30));
        assert_eq!(c.reconnect.jitter_percent, 10);
        assert_eq!(c.icon_connected, "/tmp/up.png");
        assert_eq!(c.extra_value("WEBSOCKETKEEPALIVECNT"), Some("5"));
        assert_eq!(c.extra.len(), 1);
    }

    #[test]
    fn skip_auth_needs_websockets_too() {
        let c = TerminalConfig::parse("SKIPPOSAUTH=1\nPOSCONNECTALLOW=TCPIP")
            .unwrap()
            .config;
        assert!(c.skip_pos_auth);
        assert!(!c.auth_skipped());
    }

    #[test]
    fn bad_values_name_key_line_and_value() {
        let err = TerminalConfig::parse("WEBSOCKETADDRESS=h\n\nWEBSOCKETPORT=99999").unwrap_err();
        assert_eq!(
            err,
            ConfigError::InvalidValue {
                key: "WEBSOCKETPORT".into(),
                line: 3,
                value: "99999".into(),
                expected: "a port number 1..=65535",
            }
        );
        assert!(err.to_string().contains("WEBSOCKETPORT"));
        assert!(err.to_string().contains("99999"));
        assert!(err.to_string().contains("line 3"));
        for bad in [
            "SKIPPOSAUTH=maybe",
            "WEBSOCKETPINGINTERVAL_1=-1",
            "WEBSOCKETPINGINTERVAL_1=+5",
            "WEBSOCKETPATH=no-slash",
            "WEBSOCKETPATH=/a b",
            "WEBSOCKETADDRESS=",
            "WEBSOCKETADDRESS=a b",
            "WEBSOCKETRECONNECTJITTER_PCT=101",
            "WEBSOCKETRECONNECTFIRST_MS=0",
            "WEBSOCKETPINPADID=a\u{7f}",
            "WEBSOCKETICONDISCONNECTED=",
        ] {
            assert!(
                matches!(
                    TerminalConfig::parse(bad),
                    Err(ConfigError::InvalidValue { line: 1, .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            TerminalConfig::parse("A=1\nnope"),
            Err(ConfigError::MissingEquals { line: 2 })
        );
        assert_eq!(
            TerminalConfig::parse("=1"),
            Err(ConfigError::EmptyKey { line: 1 })
        );
    }

    #[test]
    fn reconnect_max_below_first_is_refused() {
        let err =
            TerminalConfig::parse("WEBSOCKETRECONNECTFIRST_MS=5000\nWEBSOCKETRECONNECTMAX_MS=1000")
                .unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidValue { line: 2, ref key, .. } if key == "WEBSOCKETRECONNECTMAX_MS")
        );
    }

    #[test]
    fn kv_text_round_trips() {
        let mut c = TerminalConfig::parse("WEBSOCKETPINGINTERVAL_1=0\nFOO=bar")
            .unwrap()
            .config;
        c.pinpad_id = Some("7".into());
        c.skip_pos_auth = true;
        assert_eq!(TerminalConfig::parse(&c.to_kv_text()).unwrap().config, c);
        let d = TerminalConfig::default();
        assert_eq!(TerminalConfig::parse(&d.to_kv_text()).unwrap().config, d);
    }
}
