//! RESULT_CODE, TERMINATION_STATUS and the table of standard answers (PROTOCOL.md §4).
//!
//! Provenance marks on each entry: **[spec]** Verifone's SCA Functional Specification,
//! **[code]** public clients or simulators only, **[choice]** this crate's decision (change it
//! here and nowhere else).

use std::fmt;

use super::function::OtherName;

/// A RESULT_CODE. Signed ([spec] -1 is success, -2 a format error); not unique on its own, as
/// device and platform tables overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResultCode(pub i64);

impl ResultCode {
    /// -1: the operation succeeded [spec].
    pub const SUCCESS: Self = Self(-1);

    /// Parses the document text (optional sign, ASCII digits, surrounding whitespace ignored).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim_ascii();
        if text.starts_with('+') {
            return None;
        }
        text.parse().ok().map(Self)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// TERMINATION_STATUS: SUCCESS or FAILURE [spec], anything else kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TerminationStatus {
    /// `SUCCESS`: goes with RESULT_CODE -1 [spec].
    Success,
    /// `FAILURE`: goes with the other codes [spec].
    Failure,
    /// Any other value, kept so it round-trips.
    Other(OtherName),
}

impl TerminationStatus {
    /// Maps the document text to a variant.
    pub fn from_name(name: &str) -> Self {
        match name {
            "SUCCESS" => Self::Success,
            "FAILURE" => Self::Failure,
            other => Self::Other(OtherName::new(other)),
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failure => "FAILURE",
            Self::Other(name) => name.as_str(),
        }
    }
}

impl fmt::Display for TerminationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answers the terminal gives on its own (not produced by a payment flow), each with its
/// RESULT_CODE, RESULT and RESPONSE_TEXT from [`StandardAnswer::entry`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardAnswer {
    /// The request is not a well-formed SCA document.
    XmlFormatIncorrect,
    /// FUNCTION_TYPE / COMMAND not handled.
    UnknownCommand,
    /// The primary command was cancelled (e.g. by SECONDARYPORT CANCEL).
    Cancelled,
    /// A primary command arrived while another runs.
    DeviceBusy,
    /// SESSION START while a session is open.
    SessionInProgress,
    /// PAYMENT / LINE_ITEM without an open session.
    NoSession,
    /// MAC or MAC_LABEL absent where required.
    MacMissing,
    /// MAC_LABEL names no registered key.
    UnknownMacLabel,
    /// MAC does not verify.
    BadMac,
    /// COUNTER absent or not a decimal in 1..=4294967295.
    InvalidCounter,
    /// COUNTER not higher than the last one used with that MAC_LABEL.
    StaleCounter,
    /// A SECURITY command under SKIPPOSAUTH=1 + POSCONNECTALLOW=WEBSOCKETS [seed].
    SecurityRefused,
}

/// One row of the standard-answer table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerEntry {
    /// RESULT_CODE.
    pub code: ResultCode,
    /// RESULT.
    pub result: &'static str,
    /// RESPONSE_TEXT.
    pub text: &'static str,
}

impl StandardAnswer {
    /// Every standard answer, for tests and documentation.
    pub const ALL: [Self; 12] = [
        Self::XmlFormatIncorrect,
        Self::UnknownCommand,
        Self::Cancelled,
        Self::DeviceBusy,
        Self::SessionInProgress,
        Self::NoSession,
        Self::MacMissing,
        Self::UnknownMacLabel,
        Self::BadMac,
        Self::InvalidCounter,
        Self::StaleCounter,
        Self::SecurityRefused,
    ];

    /// The table. All standard answers carry TERMINATION_STATUS FAILURE [spec].
    pub const fn entry(self) -> AnswerEntry {
        const fn row(code: i64, result: &'static str, text: &'static str) -> AnswerEntry {
            AnswerEntry {
                code: ResultCode(code),
                result,
                text,
            }
        }
        match self {
            // -2 and its text: [spec] platform codes. RESULT: [choice], the spec leaves it open.
            Self::XmlFormatIncorrect => row(-2, "ERROR", "XML Format Incorrect"),
            // 0: [code] the public simulator's "unknown command or error"; wording: [choice].
            Self::UnknownCommand => row(0, "ERROR", "Unknown Command"),
            // 59001 CANCELLED "Transaction Cancelled": [spec].
            Self::Cancelled => row(59001, "CANCELLED", "Transaction Cancelled"),
            // 59002 BUSY "DEVICE IS BUSY": [spec].
            Self::DeviceBusy => row(59002, "BUSY", "DEVICE IS BUSY"),
            // 59003 BUSY "SESSION in progress": [spec].
            Self::SessionInProgress => row(59003, "BUSY", "SESSION in progress"),
            // 59004 FAILED: [code] simulator; the spec only says the text is "No session".
            Self::NoSession => row(59004, "FAILED", "No Session"),
            // 40007 and its text: [spec]. RESULT: [choice].
            Self::MacMissing => row(
                40007,
                "FAILED",
                "MAC/MAC_LABEL not found or MAC_LABEL missing",
            ),
            // 19 FIELD_ERROR "MAC_LABEL does not exist": [spec].
            Self::UnknownMacLabel => row(19, "FIELD_ERROR", "MAC_LABEL does not exist"),
            // [choice]: no public code; reuses the spec's MAC failure code 40007.
            Self::BadMac => row(40007, "FAILED", "MAC verification failed"),
            // [choice]: no public code; reuses 40007, the counter being part of the MAC check.
            Self::InvalidCounter => row(40007, "FAILED", "COUNTER missing or invalid"),
            // [choice]: no public code; reuses 40007.
            Self::StaleCounter => row(40007, "FAILED", "COUNTER not higher than the last one"),
            // [choice]: the seed says SECURITY is "not allowed" but names no code; 0 is the
            // simulator's generic error.
            Self::SecurityRefused => {
                row(0, "ERROR", "SECURITY commands not allowed with SKIPPOSAUTH")
            }
        }
    }
}
