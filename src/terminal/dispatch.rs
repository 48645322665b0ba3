//! Rules 3 to 5 of request handling, given a request that passed authentication: answer GET
//! COUNTER, deliver secondaries at any time, keep primaries one at a time, keep the session
//! rules. Pure decisions over a small state; the machine applies them.

use super::request::{Channel, RequestId};
use crate::xml::classify::{RequestKind, Route, SessionEffect};

/// What the machine knows of the device's occupation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Floor {
    /// A SESSION is open (tracked from the application's successful answers).
    pub(crate) session_open: bool,
    /// The primary command in progress.
    pub(crate) primary: Option<RequestId>,
    /// Requests delivered and not answered yet (primary included).
    pub(crate) pending: usize,
}

/// What to do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The machine answers GET COUNTER itself.
    AnswerCounter,
    /// The machine answers this SECURITY command itself, at once.
    AnswerSecurity,
    /// Hand it to the application; for CANCEL, also tell it to cancel `cancel`.
    Deliver {
        channel: Channel,
        cancel: Option<RequestId>,
    },
    /// The machine answers with a refusal.
    Refuse(Refusal),
}

/// The machine's own refusals under rules 4 and 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 59002: a primary runs, or too many requests are waiting for answers.
    DeviceBusy,
    /// 59004: PAYMENT / LINE_ITEM without a session.
    NoSession,
    /// 59003: SESSION START (or SETTIME) while a session is open.
    SessionInProgress,
}

impl Floor {
    /// Decides rules 3 to 5 for a request of `kind`, with at most `max_pending` requests
    /// waiting for the application.
    pub(crate) fn decide(&self, kind: &RequestKind, max_pending: usize) -> Verdict {
        match kind.route {
            Route::GetCounter => Verdict::AnswerCounter,
            Route::Machine => Verdict::AnswerSecurity,
            _ if self.pending >= max_pending => Verdict::Refuse(Refusal::DeviceBusy),
            Route::Secondary { cancel } => Verdict::Deliver {
                channel: Channel::Secondary,
                cancel: if cancel { self.primary } else { None },
            },
            Route::Primary if self.primary.is_some() => Verdict::Refuse(Refusal::DeviceBusy),
            Route::Primary => match (kind.session, self.session_open) {
                (SessionEffect::NeedsSession, false) => Verdict::Refuse(Refusal::NoSession),
                (SessionEffect::Start | SessionEffect::OutsideSession, true) => {
                    Verdict::Refuse(Refusal::SessionInProgress)
                }
                _ => Verdict::Deliver {
                    channel: Channel::Primary,
                    cancel: None,
                },
            },
        }
    }

    /// Notes that request `id` was delivered on `channel`.
    pub(crate) fn delivered(&mut self, id: RequestId, channel: Channel) {
        self.pending += 1;
        if channel == Channel::Primary {
            self.primary = Some(id);
        }
    }

    /// Notes the application's answer to `id`; `success` when it reported success.
    pub(crate) fn answered(&mut self, id: RequestId, kind: &RequestKind, success: bool) {
        self.pending = self.pending.saturating_sub(1);
        if self.primary == Some(id) {
            self.primary = None;
        }
        if success {
            match kind.session {
                SessionEffect::Start => self.session_open = true,
                SessionEffect::Finish => self.session_open = false,
                _ => {}
            }
        }
    }

    /// The link is gone: every request on it is abandoned; the session stays as it was.
    pub(crate) fn link_lost(&mut self) {
        self.pending = 0;
        self.primary = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::classify::classify;

    const MAX: usize = 4;

    #[test]
    fn session_rules() {
        let mut floor = Floor::default();
        let pay = classify("PAYMENT", "CAPTURE");
        let start = classify("SESSION", "START");
        let finish = classify("SESSION", "FINISH");
        assert_eq!(floor.decide(&pay, MAX), Verdict::Refuse(Refusal::NoSession));
        assert!(matches!(floor.decide(&start, MAX), Verdict::Deliver { .. }));
        floor.delivered(RequestId(1), Channel::Primary);
        floor.answered(RequestId(1), &start, true);
        assert!(floor.session_open);
        assert_eq!(
            floor.decide(&start, MAX),
            Verdict::Refuse(Refusal::SessionInProgress)
        );
        assert_eq!(
            floor.decide(&classify("ADMIN", "SETTIME"), MAX),
            Verdict::Refuse(Refusal::SessionInProgress)
        );
        assert!(matches!(floor.decide(&pay, MAX), Verdict::Deliver { .. }));
        floor.delivered(RequestId(2), Channel::Primary);
        floor.answered(RequestId(2), &finish, false);
        assert!(floor.session_open, "a failed FINISH keeps the session");
        floor.delivered(RequestId(3), Channel::Primary);
        floor.answered(RequestId(3), &finish, true);
        assert!(!floor.session_open);
    }

    #[test]
    fn busy_and_secondary_rules() {
        let mut floor = Floor::default();
        let version = classify("DEVICE", "VERSION");
        let cancel = classify("SECONDARYPORT", "CANCEL");
        floor.delivered(RequestId(7), Channel::Primary);
        assert_eq!(
            floor.decide(&version, MAX),
            Verdict::Refuse(Refusal::DeviceBusy)
        );
        assert_eq!(
            floor.decide(&cancel, MAX),
            Verdict::Deliver {
                channel: Channel::Secondary,
                cancel: Some(RequestId(7))
            }
        );
        assert_eq!(
            floor.decide(&classify("ADMIN", "GET_COUNTER"), MAX),
            Verdict::AnswerCounter
        );
        for i in 0..3 {
            floor.delivered(RequestId(8 + i), Channel::Secondary);
        }
        assert_eq!(
            floor.decide(&cancel, MAX),
            Verdict::Refuse(Refusal::DeviceBusy)
        );
        floor.link_lost();
        assert_eq!(
            floor.decide(&cancel, MAX),
            Verdict::Deliver {
                channel: Channel::Secondary,
                cancel: None
            }
        );
    }
}
