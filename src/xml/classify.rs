//! What a request is, from its FUNCTION_TYPE and COMMAND: the one classifier of the crate.
//! The terminal reads it for its rules (which checks apply, rule 2; whether the machine answers
//! it itself, rule 3; which channel, rule 4; the session, rule 5; the MAC labels), and the
//! broker for which requests carry COUNTER / MAC and which run beside a primary one.

use super::model::Transaction;

/// How a request is treated by the authentication checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthClass {
    /// SECURITY REGISTER and friends: exempt, but refused when checks are skipped.
    Security,
    /// SECURITY TEST_MAC, UNREGISTER, UNREGISTERALL: checked like [`AuthClass::Checked`]
    /// (a key is removed or tested only by its holder), and refused when checks are skipped.
    SecurityChecked,
    /// ADMIN GET_COUNTER and SECONDARYPORT: exempt.
    Exempt,
    /// Everything else: must carry MAC_LABEL, COUNTER and MAC.
    Checked,
}

/// Everything the rules need to know about one request, from FUNCTION_TYPE and COMMAND.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestKind {
    pub(crate) auth: AuthClass,
    pub(crate) route: Route,
    pub(crate) session: SessionEffect,
    pub(crate) security: SecurityCommand,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// ADMIN GET_COUNTER: answered by the machine (\[seed\]).
    GetCounter,
    /// SECONDARYPORT: delivered even while a primary runs; `cancel` for CANCEL.
    Secondary { cancel: bool },
    /// Everything else: one at a time.
    Primary,
    /// SECURITY TEST_MAC, UNREGISTER, UNREGISTERALL, REGISTER_ENCRYPTION: answered by the
    /// machine at once, from its own key state.
    Machine,
}

/// How a request relates to the session (\[spec\], PROTOCOL.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEffect {
    /// Indifferent.
    None,
    /// PAYMENT and LINE_ITEM: refused without an open session.
    NeedsSession,
    /// SESSION START: refused while one is open; opens it when answered with success.
    Start,
    /// SESSION FINISH and ADMIN LANE_CLOSED: close it when answered with success.
    Finish,
    /// ADMIN SETTIME: only outside a session.
    OutsideSession,
}

/// Which SECURITY command a request is (the machine handles these itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecurityCommand {
    /// Not a SECURITY command the machine handles.
    None,
    /// REGISTER: pairing with the cashier's entry; a primary command.
    Register,
    /// REGISTER_ENCRYPTION: refused (docs/protocol.md).
    RegisterEncryption,
    /// UNREGISTER: the request's (authenticated) label loses its key.
    Unregister,
    /// UNREGISTERALL: every label loses its key.
    UnregisterAll,
    /// TEST_MAC: answered `Match` once the request authenticated.
    TestMac,
}

/// Classifies by the document's FUNCTION_TYPE and COMMAND text (exact upper case, as SCA
/// writes them; anything unknown is an ordinary primary command passed to the application).
pub(crate) fn classify(function_type: &str, command: &str) -> RequestKind {
    let mut kind = RequestKind {
        auth: AuthClass::Checked,
        route: Route::Primary,
        session: SessionEffect::None,
        security: SecurityCommand::None,
    };
    match (function_type, command) {
        ("SECURITY", command) => {
            kind.auth = AuthClass::Security;
            kind.security = match command {
                "REGISTER" => SecurityCommand::Register,
                "REGISTER_ENCRYPTION" => SecurityCommand::RegisterEncryption,
                "UNREGISTER" => SecurityCommand::Unregister,
                "UNREGISTERALL" => SecurityCommand::UnregisterAll,
                "TEST_MAC" => SecurityCommand::TestMac,
                _ => SecurityCommand::None,
            };
            if matches!(
                kind.security,
                SecurityCommand::Unregister
                    | SecurityCommand::UnregisterAll
                    | SecurityCommand::TestMac
            ) {
                kind.auth = AuthClass::SecurityChecked;
            }
            if kind.security != SecurityCommand::Register && kind.security != SecurityCommand::None
            {
                kind.route = Route::Machine;
            }
        }
        ("ADMIN", "GET_COUNTER") => {
            kind.auth = AuthClass::Exempt;
            kind.route = Route::GetCounter;
        }
        ("ADMIN", "LANE_CLOSED") | ("SESSION", "FINISH") => kind.session = SessionEffect::Finish,
        ("ADMIN", "SETTIME") => kind.session = SessionEffect::OutsideSession,
        ("SESSION", "START") => kind.session = SessionEffect::Start,
        ("SECONDARYPORT", command) => {
            kind.auth = AuthClass::Exempt;
            kind.route = Route::Secondary {
                cancel: command == "CANCEL",
            };
        }
        ("PAYMENT" | "LINE_ITEM", _) => kind.session = SessionEffect::NeedsSession,
        _ => {}
    }
    kind
}

impl Transaction {
    /// PAYMENT / LINE_ITEM: refused without an open session \[spec\].
    pub fn needs_session(&self) -> bool {
        self.kind().session == SessionEffect::NeedsSession
    }

    /// SECONDARYPORT: answered even while a primary command runs \[seed\].
    pub fn is_secondary(&self) -> bool {
        matches!(self.kind().route, Route::Secondary { .. })
    }

    /// Sent without COUNTER / MAC / MAC_LABEL: SECURITY (except TEST_MAC, UNREGISTER and
    /// UNREGISTERALL, which this crate signs), ADMIN GET_COUNTER and SECONDARYPORT
    /// \[spec\]\[code\].
    pub fn is_mac_exempt(&self) -> bool {
        !matches!(
            self.kind().auth,
            AuthClass::Checked | AuthClass::SecurityChecked
        )
    }

    pub(crate) fn kind(&self) -> RequestKind {
        classify(self.function_type.as_str(), self.command.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_examples() {
        assert_eq!(classify("ADMIN", "GET_COUNTER").route, Route::GetCounter);
        assert_eq!(classify("ADMIN", "GET_COUNTER").auth, AuthClass::Exempt);
        assert_eq!(
            classify("SECONDARYPORT", "CANCEL").route,
            Route::Secondary { cancel: true }
        );
        assert_eq!(classify("SECONDARYPORT", "STATUS").auth, AuthClass::Exempt);
        assert_eq!(classify("SECURITY", "REGISTER").auth, AuthClass::Security);
        assert_eq!(
            classify("SECURITY", "REGISTER").security,
            SecurityCommand::Register
        );
        assert_eq!(classify("SECURITY", "REGISTER").route, Route::Primary);
        for command in ["TEST_MAC", "UNREGISTER", "UNREGISTERALL"] {
            let kind = classify("SECURITY", command);
            assert_eq!(kind.auth, AuthClass::SecurityChecked, "{command}");
            assert_eq!(kind.route, Route::Machine, "{command}");
        }
        assert_eq!(
            classify("PAYMENT", "CAPTURE").session,
            SessionEffect::NeedsSession
        );
        assert_eq!(
            classify("LINE_ITEM", "ADD").session,
            SessionEffect::NeedsSession
        );
        assert_eq!(classify("SESSION", "START").session, SessionEffect::Start);
        assert_eq!(
            classify("ADMIN", "LANE_CLOSED").session,
            SessionEffect::Finish
        );
        let other = classify("DEVICE", "VERSION");
        assert_eq!(
            (other.auth, other.route, other.session),
            (AuthClass::Checked, Route::Primary, SessionEffect::None)
        );
    }
}
