//! The two SCA documents: `TRANSACTION` (POS → terminal) and `RESPONSE` (terminal → POS).

use std::borrow::Cow;

use bytes::BytesMut;

use super::build::{Schema, Slot};
use super::codes::{ResultCode, StandardAnswer, TerminationStatus};
use super::counter::Counter;
use super::decode::{decode_document, read_document};
use super::encode::{XmlOut, fields_size_hint, put_element, put_fields, put_number_element};
use super::error::XmlError;
use super::fields::Fields;
use super::function::{Command, FunctionType};
use super::limits::XmlLimits;
use super::scan::scan_document;

/// A POS request: root `TRANSACTION` \[spec\].
///
/// FUNCTION_TYPE and COMMAND are typed; every other field stays in [`Transaction::fields`] in
/// document order (COUNTER, MAC, MAC_LABEL and POS_RECON included, read through typed
/// accessors), so a request written back holds everything the POS sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// FUNCTION_TYPE.
    pub function_type: FunctionType,
    /// COMMAND.
    pub command: Command,
    fields: Fields,
}

/// A terminal answer or notification: root `RESPONSE` \[spec\].
///
/// The conventional leading fields are typed and written first, in this order; the command's
/// own fields follow in [`Response::fields`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// RESPONSE_TEXT: human-readable outcome.
    pub response_text: Option<Cow<'static, str>>,
    /// RESULT: short outcome word (`OK`, `BUSY`, ...); free text \[spec\].
    pub result: Option<Cow<'static, str>>,
    /// RESULT_CODE.
    pub result_code: Option<ResultCode>,
    /// TERMINATION_STATUS.
    pub termination_status: Option<TerminationStatus>,
    /// COUNTER: echoed by GET_COUNTER and by MAC'd requests.
    pub counter: Option<Counter>,
    fields: Fields,
}

const COUNTER: &str = "COUNTER";
const MAC: &str = "MAC";
const MAC_LABEL: &str = "MAC_LABEL";
const POS_RECON: &str = "POS_RECON";

const fn slot(bit: u32, field: &'static str, typed: bool) -> Option<Slot> {
    Some(Slot { bit, field, typed })
}

/// Typed slots filled while decoding a transaction.
#[derive(Default)]
struct TransactionSlots {
    function_type: Option<FunctionType>,
    command: Option<Command>,
}

impl Schema for TransactionSlots {
    const ROOT: &'static str = "TRANSACTION";

    fn slot(name: &str) -> Option<Slot> {
        match name {
            "FUNCTION_TYPE" => slot(1, "FUNCTION_TYPE", true),
            "COMMAND" => slot(2, "COMMAND", true),
            COUNTER => slot(4, COUNTER, false),
            MAC => slot(8, MAC, false),
            MAC_LABEL => slot(16, MAC_LABEL, false),
            POS_RECON => slot(32, POS_RECON, false),
            _ => None,
        }
    }

    fn take(&mut self, slot: Slot, value: &str) -> Result<(), XmlError> {
        // [choice] surrounding whitespace is layout; an empty value names nothing.
        let value = value.trim_ascii();
        if value.is_empty() {
            return Err(XmlError::InvalidValue { field: slot.field });
        }
        if slot.bit == 1 {
            self.function_type = Some(FunctionType::from_name(value));
        } else {
            self.command = Some(Command::from_name(value));
        }
        Ok(())
    }
}

/// Typed slots filled while decoding a response.
#[derive(Default)]
struct ResponseSlots {
    response: Response,
}

impl Schema for ResponseSlots {
    const ROOT: &'static str = "RESPONSE";

    fn slot(name: &str) -> Option<Slot> {
        match name {
            "RESPONSE_TEXT" => slot(1, "RESPONSE_TEXT", true),
            "RESULT" => slot(2, "RESULT", true),
            "RESULT_CODE" => slot(4, "RESULT_CODE", true),
            "TERMINATION_STATUS" => slot(8, "TERMINATION_STATUS", true),
            COUNTER => slot(16, COUNTER, true),
            POS_RECON => slot(32, POS_RECON, false),
            _ => None,
        }
    }

    fn take(&mut self, slot: Slot, value: &str) -> Result<(), XmlError> {
        let response = &mut self.response;
        match slot.bit {
            1 => response.response_text = Some(Cow::Owned(value.to_owned())),
            2 => response.result = Some(Cow::Owned(value.to_owned())),
            4 => {
                response.result_code = Some(
                    ResultCode::parse(value).ok_or(XmlError::InvalidValue { field: slot.field })?,
                );
            }
            8 => response.termination_status = Some(TerminationStatus::from_name(value)),
            _ => response.counter = Some(Counter::parse(value)?),
        }
        Ok(())
    }
}

/// Refuses names a message keeps in typed slots; `Ok(true)` for singletons kept in the field
/// list, which `push_field` then replaces rather than repeats.
fn check_name<S: Schema>(name: &str) -> Result<bool, XmlError> {
    match S::slot(name) {
        Some(slot) if slot.typed => Err(XmlError::ReservedField { field: slot.field }),
        Some(_) => Ok(true),
        None => Ok(false),
    }
}

fn push_field<S: Schema>(fields: &mut Fields, name: &str, value: &str) -> Result<(), XmlError> {
    if check_name::<S>(name)? {
        fields.set(name, value)
    } else {
        fields.push(name, value)
    }
}

fn push_group<S: Schema>(
    fields: &mut Fields,
    name: &str,
    children: &Fields,
) -> Result<(), XmlError> {
    if let Some(slot) = S::slot(name) {
        return Err(XmlError::ReservedField { field: slot.field });
    }
    fields.push_group(name, children)
}

impl Transaction {
    /// A request with no other field.
    pub fn new(function_type: FunctionType, command: Command) -> Self {
        Self {
            function_type,
            command,
            fields: Fields::new(),
        }
    }

    /// Parses a request under the default [`XmlLimits`].
    pub fn decode(bytes: &[u8]) -> Result<Self, XmlError> {
        Self::decode_with(bytes, &XmlLimits::DEFAULT)
    }

    /// Parses a request under `limits`. Refuses (never expands) DTDs and entity declarations.
    pub fn decode_with(bytes: &[u8], limits: &XmlLimits) -> Result<Self, XmlError> {
        decode_document(bytes, limits).and_then(Self::from_decoded)
    }

    /// [`Transaction::decode_with`] by the subset scanner alone: `None` when it declines.
    pub(crate) fn decode_by_scanner(
        bytes: &[u8],
        limits: &XmlLimits,
    ) -> Option<Result<Self, XmlError>> {
        scan_document(bytes, limits).map(Self::from_decoded)
    }

    /// [`Transaction::decode_with`] by quick-xml alone.
    pub(crate) fn decode_by_quick_xml(bytes: &[u8], limits: &XmlLimits) -> Result<Self, XmlError> {
        read_document(bytes, limits).and_then(Self::from_decoded)
    }

    fn from_decoded((slots, fields): (TransactionSlots, Fields)) -> Result<Self, XmlError> {
        let function_type = slots.function_type.ok_or(XmlError::MissingField {
            field: "FUNCTION_TYPE",
        })?;
        let command = slots
            .command
            .ok_or(XmlError::MissingField { field: "COMMAND" })?;
        Ok(Self {
            function_type,
            command,
            fields,
        })
    }

    /// Appends the document to `out`: FUNCTION_TYPE, COMMAND, then the fields in order.
    pub fn encode(&self, out: &mut BytesMut) {
        self.write(out);
    }

    /// [`Transaction::encode`] into text, ready for a WebSocket text message: no UTF-8
    /// conversion (lossy or checked) stands between the writer and the send.
    pub fn encode_to_string(&self, out: &mut String) {
        self.write(out);
    }

    fn write(&self, out: &mut impl XmlOut) {
        out.reserve_for(64 + fields_size_hint(&self.fields));
        out.put_str("<TRANSACTION>\n");
        put_element(out, "FUNCTION_TYPE", self.function_type.as_str());
        put_element(out, "COMMAND", self.command.as_str());
        put_fields(out, &self.fields);
        out.put_str("</TRANSACTION>\n");
    }

    /// Every field but FUNCTION_TYPE and COMMAND, in document order.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Appends a text field. COUNTER, MAC, MAC_LABEL and POS_RECON occur once: giving one of
    /// them again replaces its value. FUNCTION_TYPE / COMMAND are refused (set the typed
    /// fields), as are names outside the SCA alphabet.
    pub fn push_field(&mut self, name: &str, value: &str) -> Result<(), XmlError> {
        push_field::<TransactionSlots>(&mut self.fields, name, value)
    }

    /// [`Transaction::push_field`] for builder chains.
    pub fn with_field(mut self, name: &str, value: &str) -> Result<Self, XmlError> {
        self.push_field(name, value)?;
        Ok(self)
    }

    /// Appends a group field (e.g. `LINE_ITEMS`). Refuses the names of text-only fields.
    pub fn push_group(&mut self, name: &str, children: &Fields) -> Result<(), XmlError> {
        push_group::<TransactionSlots>(&mut self.fields, name, children)
    }

    /// COUNTER as written, which is what the MAC is computed over \[code\].
    pub fn counter_text(&self) -> Option<&str> {
        self.fields.get(COUNTER)
    }

    /// COUNTER parsed: `None` when absent, an error when not a decimal in 1..=4294967295.
    pub fn counter(&self) -> Option<Result<Counter, XmlError>> {
        self.counter_text().map(Counter::parse)
    }

    /// MAC: base64 HMAC-SHA256 of the COUNTER text \[code\].
    pub fn mac(&self) -> Option<&str> {
        self.fields.get(MAC)
    }

    /// MAC_LABEL: names the key REGISTER handed out \[spec\].
    pub fn mac_label(&self) -> Option<&str> {
        self.fields.get(MAC_LABEL)
    }

    /// POS_RECON: opaque POS reference echoed in the response \[spec\].
    pub fn pos_recon(&self) -> Option<&str> {
        self.fields.get(POS_RECON)
    }

    /// Sets COUNTER (replacing any).
    pub fn set_counter(&mut self, counter: Counter) -> Result<(), XmlError> {
        self.fields.set(COUNTER, itoa_u32(counter.get()).as_str())
    }

    /// Sets MAC (replacing any).
    pub fn set_mac(&mut self, mac: &str) -> Result<(), XmlError> {
        self.fields.set(MAC, mac)
    }

    /// Sets MAC_LABEL (replacing any).
    pub fn set_mac_label(&mut self, label: &str) -> Result<(), XmlError> {
        self.fields.set(MAC_LABEL, label)
    }

    /// Sets POS_RECON (replacing any).
    pub fn set_pos_recon(&mut self, recon: &str) -> Result<(), XmlError> {
        self.fields.set(POS_RECON, recon)
    }
}

/// The request fields the terminal reads for every request (\[spec\]: authentication and
/// echo), found in one pass over the top-level fields; each is what the accessor of the same
/// name returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RequestFields<'a> {
    /// [`Transaction::counter_text`].
    pub(crate) counter: Option<&'a str>,
    /// [`Transaction::mac`].
    pub(crate) mac: Option<&'a str>,
    /// [`Transaction::mac_label`].
    pub(crate) mac_label: Option<&'a str>,
    /// [`Transaction::pos_recon`].
    pub(crate) pos_recon: Option<&'a str>,
}

impl Transaction {
    /// COUNTER, MAC, MAC_LABEL and POS_RECON at once: four accessor calls scan the fields
    /// four times, which costs more than the rest of request dispatch.
    pub(crate) fn request_fields(&self) -> RequestFields<'_> {
        let mut found = RequestFields::default();
        let mut seen = 0u8;
        for field in &self.fields {
            let (slot, bit) = match field.name() {
                COUNTER => (&mut found.counter, 1),
                MAC => (&mut found.mac, 2),
                MAC_LABEL => (&mut found.mac_label, 4),
                POS_RECON => (&mut found.pos_recon, 8),
                _ => continue,
            };
            // The first field of a name is the one the accessors return.
            if seen & bit == 0 {
                seen |= bit;
                *slot = field.value();
            }
        }
        found
    }
}

/// Decimal text of a `u32` in a stack buffer.
struct Digits {
    buf: [u8; 10],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        std::str::from_utf8(self.buf.get(self.start..).unwrap_or_default()).unwrap_or("")
    }
}

fn itoa_u32(mut value: u32) -> Digits {
    let mut digits = Digits {
        buf: [0; 10],
        start: 10,
    };
    loop {
        digits.start -= 1;
        if let Some(slot) = digits.buf.get_mut(digits.start) {
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 || digits.start == 0 {
            break;
        }
    }
    digits
}

impl Response {
    /// An empty response (every typed field absent).
    pub const fn new() -> Self {
        Self {
            response_text: None,
            result: None,
            result_code: None,
            termination_status: None,
            counter: None,
            fields: Fields::new(),
        }
    }

    /// A success: RESULT `OK`, RESULT_CODE -1, TERMINATION_STATUS SUCCESS \[spec\], with the
    /// operation's text (e.g. `Session Started`).
    pub fn success(text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            response_text: Some(text.into()),
            result: Some(Cow::Borrowed("OK")),
            result_code: Some(ResultCode::SUCCESS),
            termination_status: Some(TerminationStatus::Success),
            ..Self::new()
        }
    }

    /// A failure with the given code, RESULT and text, TERMINATION_STATUS FAILURE.
    pub fn failure(
        code: ResultCode,
        result: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            response_text: Some(text.into()),
            result: Some(result.into()),
            result_code: Some(code),
            termination_status: Some(TerminationStatus::Failure),
            ..Self::new()
        }
    }

    /// One of the standard answers, from the table in [`StandardAnswer::entry`]. Allocates
    /// nothing.
    pub fn standard(answer: StandardAnswer) -> Self {
        let entry = answer.entry();
        Self::failure(entry.code, entry.result, entry.text)
    }

    /// -2 XML Format Incorrect \[spec\].
    pub fn xml_format_incorrect() -> Self {
        Self::standard(StandardAnswer::XmlFormatIncorrect)
    }

    /// Unknown FUNCTION_TYPE / COMMAND.
    pub fn unknown_command() -> Self {
        Self::standard(StandardAnswer::UnknownCommand)
    }

    /// 59001 CANCELLED \[spec\].
    pub fn cancelled() -> Self {
        Self::standard(StandardAnswer::Cancelled)
    }

    /// 59002 DEVICE IS BUSY \[spec\].
    pub fn device_busy() -> Self {
        Self::standard(StandardAnswer::DeviceBusy)
    }

    /// 59003 SESSION in progress \[spec\].
    pub fn session_in_progress() -> Self {
        Self::standard(StandardAnswer::SessionInProgress)
    }

    /// No Session (59004 \[code\]).
    pub fn no_session() -> Self {
        Self::standard(StandardAnswer::NoSession)
    }

    /// 40007: MAC or MAC_LABEL missing \[spec\].
    pub fn mac_missing() -> Self {
        Self::standard(StandardAnswer::MacMissing)
    }

    /// 19 FIELD_ERROR: MAC_LABEL does not exist \[spec\].
    pub fn unknown_mac_label() -> Self {
        Self::standard(StandardAnswer::UnknownMacLabel)
    }

    /// MAC does not verify \[choice\].
    pub fn bad_mac() -> Self {
        Self::standard(StandardAnswer::BadMac)
    }

    /// COUNTER missing or out of range \[choice\].
    pub fn invalid_counter() -> Self {
        Self::standard(StandardAnswer::InvalidCounter)
    }

    /// COUNTER not above the last one for this MAC_LABEL \[choice\].
    pub fn stale_counter() -> Self {
        Self::standard(StandardAnswer::StaleCounter)
    }

    /// SECURITY command refused under SKIPPOSAUTH \[seed\], code \[choice\].
    pub fn security_refused() -> Self {
        Self::standard(StandardAnswer::SecurityRefused)
    }

    /// Sets COUNTER, for builder chains.
    pub fn with_counter(mut self, counter: Counter) -> Self {
        self.counter = Some(counter);
        self
    }

    /// Whether TERMINATION_STATUS is SUCCESS.
    pub fn is_success(&self) -> bool {
        self.termination_status == Some(TerminationStatus::Success)
    }

    /// Parses a response under the default [`XmlLimits`].
    pub fn decode(bytes: &[u8]) -> Result<Self, XmlError> {
        Self::decode_with(bytes, &XmlLimits::DEFAULT)
    }

    /// Parses a response under `limits`. Every field is optional (unsolicited notifications
    /// are responses too); a RESULT_CODE that is not an integer or a COUNTER out of range is
    /// [`XmlError::InvalidValue`].
    pub fn decode_with(bytes: &[u8], limits: &XmlLimits) -> Result<Self, XmlError> {
        decode_document(bytes, limits).map(Self::from_decoded)
    }

    /// [`Response::decode_with`] by the subset scanner alone: `None` when it declines.
    pub(crate) fn decode_by_scanner(bytes: &[u8], limits: &XmlLimits) -> Option<Self> {
        scan_document(bytes, limits).map(Self::from_decoded)
    }

    /// [`Response::decode_with`] by quick-xml alone.
    pub(crate) fn decode_by_quick_xml(bytes: &[u8], limits: &XmlLimits) -> Result<Self, XmlError> {
        read_document(bytes, limits).map(Self::from_decoded)
    }

    fn from_decoded((slots, fields): (ResponseSlots, Fields)) -> Self {
        let mut response = slots.response;
        response.fields = fields;
        response
    }

    /// Appends the document to `out`: RESPONSE_TEXT, RESULT, RESULT_CODE, TERMINATION_STATUS,
    /// COUNTER (each only if set), then the fields in order \[spec\].
    pub fn encode(&self, out: &mut BytesMut) {
        self.encode_echoing(out, None, None);
    }

    /// [`Response::encode`] into text, ready for a WebSocket text message.
    pub fn encode_to_string(&self, out: &mut String) {
        self.encode_echoing(out, None, None);
    }

    /// [`Response::encode`] as if `counter` (when given) replaced COUNTER and `pos_recon`
    /// (when given and the response has none) were appended as POS_RECON: the echo of the
    /// request's fields \[spec\], written without copying or growing the response.
    pub(crate) fn encode_echoing(
        &self,
        out: &mut impl XmlOut,
        counter: Option<Counter>,
        pos_recon: Option<&str>,
    ) {
        let counter = counter.or(self.counter);
        let pos_recon = pos_recon.filter(|_| self.pos_recon().is_none());
        let text_len = self.response_text.as_deref().map_or(0, str::len)
            + self.result.as_deref().map_or(0, str::len)
            + pos_recon.map_or(0, str::len);
        out.reserve_for(200 + text_len * 2 + fields_size_hint(&self.fields));
        out.put_str("<RESPONSE>\n");
        if let Some(text) = &self.response_text {
            put_element(out, "RESPONSE_TEXT", text);
        }
        if let Some(result) = &self.result {
            put_element(out, "RESULT", result);
        }
        if let Some(code) = self.result_code {
            put_number_element(out, "RESULT_CODE", code.0);
        }
        if let Some(status) = &self.termination_status {
            put_element(out, "TERMINATION_STATUS", status.as_str());
        }
        if let Some(counter) = counter {
            put_number_element(out, COUNTER, i64::from(counter.get()));
        }
        put_fields(out, &self.fields);
        if let Some(recon) = pos_recon {
            put_element(out, POS_RECON, recon);
        }
        out.put_str("</RESPONSE>\n");
    }

    /// The command's own fields, in order.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Appends a text field. POS_RECON occurs once (giving it again replaces it); the typed
    /// leading fields are refused (set them directly).
    pub fn push_field(&mut self, name: &str, value: &str) -> Result<(), XmlError> {
        push_field::<ResponseSlots>(&mut self.fields, name, value)
    }

    /// [`Response::push_field`] for builder chains.
    pub fn with_field(mut self, name: &str, value: &str) -> Result<Self, XmlError> {
        self.push_field(name, value)?;
        Ok(self)
    }

    /// Appends a group field.
    pub fn push_group(&mut self, name: &str, children: &Fields) -> Result<(), XmlError> {
        push_group::<ResponseSlots>(&mut self.fields, name, children)
    }

    /// POS_RECON, echoed from the request \[spec\].
    pub fn pos_recon(&self) -> Option<&str> {
        self.fields.get(POS_RECON)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass lookup agrees with the accessors, first occurrence winning.
    #[test]
    fn request_fields_agree_with_accessors() {
        let mut group = Fields::new();
        group.push("MAC", "inner").unwrap();
        let mut t = Transaction::new(FunctionType::from_name("DEVICE"), Command::from_name("X"));
        t.push_field("A", "1").unwrap();
        t.push_group("G", &group).unwrap();
        t.push_field("MAC_LABEL", "P_1").unwrap();
        t.push_field("COUNTER", "12").unwrap();
        let found = t.request_fields();
        assert_eq!(found.counter, t.counter_text());
        assert_eq!(found.mac, t.mac());
        assert_eq!(found.mac, None);
        assert_eq!(found.mac_label, Some("P_1"));
        assert_eq!(found.pos_recon, None);
        let doc = b"<TRANSACTION><FUNCTION_TYPE>X</FUNCTION_TYPE><COMMAND>Y</COMMAND>\
            <POS_RECON>r</POS_RECON><MAC>m</MAC><COUNTER>3</COUNTER></TRANSACTION>";
        let t = Transaction::decode(doc).unwrap();
        let found = t.request_fields();
        assert_eq!(
            (found.counter, found.mac, found.mac_label, found.pos_recon),
            (t.counter_text(), t.mac(), t.mac_label(), t.pos_recon())
        );
        assert_eq!(found.pos_recon, Some("r"));
    }

    /// Echoing while encoding writes what setting the fields and encoding writes.
    #[test]
    fn encode_echoing_matches_setting_the_fields() {
        let counter = Counter::new(42);
        let cases = [
            Response::success("Done"),
            Response::success("Done").with_counter(Counter::new(7).unwrap()),
            Response::success("Done")
                .with_field("POS_RECON", "own")
                .unwrap(),
            Response::device_busy().with_field("X", "a&b").unwrap(),
        ];
        for response in cases {
            for recon in [None, Some("r<1>")] {
                for echo_counter in [None, counter] {
                    let mut expected = response.clone();
                    if let Some(c) = echo_counter {
                        expected.counter = Some(c);
                    }
                    if let Some(r) = recon
                        && expected.pos_recon().is_none()
                    {
                        expected.push_field("POS_RECON", r).unwrap();
                    }
                    let mut want = BytesMut::new();
                    expected.encode(&mut want);
                    let mut got = BytesMut::new();
                    response.encode_echoing(&mut got, echo_counter, recon);
                    assert_eq!(got, want, "{response:?} {recon:?} {echo_counter:?}");
                }
            }
        }
    }
}
