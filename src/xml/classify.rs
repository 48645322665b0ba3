//! What the terminal's state machine must know about a request before running it
//! (PROTOCOL.md §5–§6).

use super::function::{Command, FunctionType};
use super::model::Transaction;

/// Effect of a request on the POS session [spec].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionEffect {
    /// Neither opens nor closes a session.
    None,
    /// SESSION START: opens one (59003 if one is open).
    Starts,
    /// SESSION FINISH, ADMIN LANE_CLOSED: closes it.
    Ends,
    /// ADMIN SETTIME: only allowed outside a session.
    OutsideSessionOnly,
}

/// The classification of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestClass {
    /// PAYMENT and LINE_ITEM need an open session; without one the answer is "No Session"
    /// [spec].
    pub needs_session: bool,
    /// SECONDARYPORT commands run beside a primary one in progress [seed].
    pub secondary: bool,
    /// SECURITY commands: refused under SKIPPOSAUTH [seed].
    pub security: bool,
    /// Carries no COUNTER / MAC / MAC_LABEL: SECURITY, ADMIN GET_COUNTER, SECONDARYPORT
    /// [spec][code].
    pub mac_exempt: bool,
    /// Effect on the session.
    pub session: SessionEffect,
}

impl RequestClass {
    /// Classifies a FUNCTION_TYPE / COMMAND pair. Unknown pairs are primary, session-neutral
    /// and MAC'd (the safe default: they need authentication and occupy the device).
    pub fn of(function_type: &FunctionType, command: &Command) -> Self {
        let security = *function_type == FunctionType::Security;
        let secondary = *function_type == FunctionType::SecondaryPort;
        let get_counter = *function_type == FunctionType::Admin && *command == Command::GetCounter;
        let session = match (function_type, command) {
            (FunctionType::Session, Command::Start) => SessionEffect::Starts,
            (FunctionType::Session, Command::Finish)
            | (FunctionType::Admin, Command::LaneClosed) => SessionEffect::Ends,
            (FunctionType::Admin, Command::SetTime) => SessionEffect::OutsideSessionOnly,
            _ => SessionEffect::None,
        };
        Self {
            needs_session: matches!(
                function_type,
                FunctionType::Payment | FunctionType::LineItem
            ),
            secondary,
            security,
            mac_exempt: security || secondary || get_counter,
            session,
        }
    }
}

impl Transaction {
    /// This request's classification.
    pub fn class(&self) -> RequestClass {
        RequestClass::of(&self.function_type, &self.command)
    }

    /// PAYMENT / LINE_ITEM: needs an open session [spec].
    pub fn needs_session(&self) -> bool {
        self.class().needs_session
    }

    /// SECONDARYPORT: answered even while a primary command runs [seed].
    pub fn is_secondary(&self) -> bool {
        self.class().secondary
    }

    /// SECURITY: refused under SKIPPOSAUTH [seed].
    pub fn is_security(&self) -> bool {
        self.class().security
    }

    /// Exempt from COUNTER / MAC checks: SECURITY, ADMIN GET_COUNTER, SECONDARYPORT.
    pub fn is_mac_exempt(&self) -> bool {
        self.class().mac_exempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(function_type: &str, command: &str) -> RequestClass {
        RequestClass::of(
            &FunctionType::from_name(function_type),
            &Command::from_name(command),
        )
    }

    #[test]
    fn catalogue_classification() {
        let payment = class("PAYMENT", "CAPTURE");
        assert!(payment.needs_session && !payment.mac_exempt && !payment.secondary);
        assert!(class("LINE_ITEM", "ADD").needs_session);
        let cancel = class("SECONDARYPORT", "CANCEL");
        assert!(cancel.secondary && cancel.mac_exempt && !cancel.needs_session);
        let register = class("SECURITY", "REGISTER");
        assert!(register.security && register.mac_exempt && !register.secondary);
        assert!(class("ADMIN", "GET_COUNTER").mac_exempt);
        assert!(!class("ADMIN", "SETTIME").mac_exempt);
        assert_eq!(class("SESSION", "START").session, SessionEffect::Starts);
        assert_eq!(class("SESSION", "FINISH").session, SessionEffect::Ends);
        assert_eq!(class("ADMIN", "LANE_CLOSED").session, SessionEffect::Ends);
        assert_eq!(
            class("ADMIN", "SETTIME").session,
            SessionEffect::OutsideSessionOnly
        );
        let unknown = class("FOO", "BAR");
        assert!(!unknown.mac_exempt && !unknown.secondary && !unknown.needs_session);
        assert_eq!(unknown.session, SessionEffect::None);
    }
}
