//! Which outstanding request a RESPONSE answers.
//!
//! SCA has no request id: a RESPONSE names no request, and a terminal also sends RESPONSE
//! documents nobody asked for (consumer notifications, TRANSACTION IN FLIGHT, ...). What a
//! response can carry that ties it to a request is the **COUNTER** echo (the terminal copies
//! the request's COUNTER into its answer) and the **POS_RECON** echo (most commands copy the
//! POS's reconciliation id back). The broker keeps at most one primary and a few secondary
//! (SECONDARYPORT) requests in flight, so the choice is among a handful.
//!
//! # The rule
//!
//! Each request in flight gets a *fit* for the response, from the fields both carry:
//!
//! | request sent | response carries | fit |
//! |---|---|---|
//! | COUNTER c | COUNTER c | strong |
//! | COUNTER c | another COUNTER | excluded |
//! | COUNTER c | no COUNTER, success (RESULT_CODE -1) | excluded: a parsed request's answer echoes it |
//! | COUNTER c | no COUNTER, failure | weak (the terminal may fail before reading COUNTER) |
//! | no COUNTER, secondary | a COUNTER | excluded: nothing to echo |
//! | no COUNTER, primary | a COUNTER | neutral (GET COUNTER answers with its own) |
//! | POS_RECON p | POS_RECON p | strong |
//! | POS_RECON p | another POS_RECON | excluded |
//! | no POS_RECON | a POS_RECON | excluded: it echoes somebody else's |
//! | anything else | | neutral |
//!
//! A request's fit is *excluded* if any line excludes it, else *strong* if any line is strong,
//! else *weak* if any line is weak, else *neutral*. The response goes to:
//!
//! 1. a strong request (the earliest sent if several);
//! 2. else a neutral one, then a weak one. Within a level secondaries come first, oldest
//!    first, because a terminal answers SECONDARYPORT commands at once while a primary may wait
//!    minutes for a customer; except when RESULT_CODE is one only primaries get (59001
//!    CANCELLED, 59002 DEVICE IS BUSY, 59003 SESSION in progress, 59004 No Session), which
//!    puts the primary first;
//! 3. else nobody: it is an unsolicited notification.
//!
//! # Limits
//!
//! - With MAC authentication every primary carries a fresh COUNTER and matching of primaries
//!   is exact. Under skip-auth, with no POS_RECON, matching falls back on the ordering of
//!   step 2: an unsolicited notification arriving while a request is in flight, or the late
//!   answer of a request that already timed out, is taken as the answer of the request in
//!   flight. Give requests a unique POS_RECON to make it exact.
//! - Secondary requests carry no COUNTER (SECONDARYPORT is MAC-exempt), so two secondaries
//!   in flight together are told apart only by POS_RECON, else answered oldest first.
//! - A success answer that lacks the COUNTER its request carried is treated as not being that
//!   request's answer (delivered as unsolicited); the request then ends by its deadline.
//!   Misreading a notification as a payment's result would be worse.

/// Whether a request occupies the terminal (primary) or rides alongside it (SECONDARYPORT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Port {
    /// Any command but SECONDARYPORT: one at a time.
    Primary,
    /// FUNCTION_TYPE SECONDARYPORT: answered while a primary is in progress.
    Secondary,
}

/// What a request in flight was sent with, as far as matching cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestKeys {
    pub(crate) port: Port,
    pub(crate) counter: Option<u32>,
    pub(crate) pos_recon: Option<Box<str>>,
}

/// What a RESPONSE carries, as far as matching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResponseKeys<'a> {
    pub(crate) counter: Option<u32>,
    pub(crate) pos_recon: Option<&'a str>,
    pub(crate) result_code: Option<i64>,
}

/// RESULT_CODEs that only a primary command gets (PROTOCOL.md §4).
const PRIMARY_ONLY_CODES: [i64; 4] = [59001, 59002, 59003, 59004];

/// RESULT_CODE of success (PROTOCOL.md §4).
const SUCCESS_CODE: i64 = -1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Excluded,
    Weak,
    Neutral,
    Strong,
}

fn fit(request: &RequestKeys, response: &ResponseKeys<'_>) -> Fit {
    let success = response.result_code == Some(SUCCESS_CODE);
    let by_counter = match (request.counter, response.counter) {
        (Some(c), Some(r)) if c == r => Fit::Strong,
        (Some(_), Some(_)) => Fit::Excluded,
        (Some(_), None) if success => Fit::Excluded,
        (Some(_), None) => Fit::Weak,
        (None, Some(_)) if request.port == Port::Secondary => Fit::Excluded,
        (None, _) => Fit::Neutral,
    };
    let by_recon = match (request.pos_recon.as_deref(), response.pos_recon) {
        (Some(p), Some(r)) if p == r => Fit::Strong,
        (Some(_), Some(_)) | (None, Some(_)) => Fit::Excluded,
        (_, None) => Fit::Neutral,
    };
    if by_counter == Fit::Excluded || by_recon == Fit::Excluded {
        Fit::Excluded
    } else if by_counter == Fit::Strong || by_recon == Fit::Strong {
        Fit::Strong
    } else {
        by_counter.min(by_recon)
    }
}

/// Picks the request `response` answers among `in_flight` (given in the order they were
/// sent), by the rule in the module docs; `None` means unsolicited.
pub(crate) fn select<'k>(
    response: &ResponseKeys<'_>,
    in_flight: impl IntoIterator<Item = &'k RequestKeys>,
) -> Option<usize> {
    let primary_first = response
        .result_code
        .is_some_and(|c| PRIMARY_ONLY_CODES.contains(&c));
    let mut best: Option<(usize, (Fit, bool))> = None;
    for (i, request) in in_flight.into_iter().enumerate() {
        let f = fit(request, response);
        if f == Fit::Excluded {
            continue;
        }
        // Within a fit level, the preferred port wins; earlier entries win ties.
        let preferred = (request.port == Port::Primary) == primary_first;
        let rank = (f, f != Fit::Strong && preferred);
        if best.is_none_or(|(_, b)| rank > b) {
            best = Some((i, rank));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(port: Port, counter: Option<u32>, recon: Option<&str>) -> RequestKeys {
        RequestKeys {
            port,
            counter,
            pos_recon: recon.map(Into::into),
        }
    }

    fn resp(counter: Option<u32>, recon: Option<&str>, code: i64) -> ResponseKeys<'_> {
        ResponseKeys {
            counter,
            pos_recon: recon,
            result_code: Some(code),
        }
    }

    const P: Port = Port::Primary;
    const S: Port = Port::Secondary;

    #[test]
    fn counter_echo_picks_the_primary_even_with_a_secondary_in_flight() {
        let flight = [req(P, Some(7), None), req(S, None, None)];
        assert_eq!(select(&resp(Some(7), None, -1), &flight), Some(0));
    }

    #[test]
    fn mac_mode_answer_without_counter_goes_to_the_secondary() {
        let flight = [req(P, Some(7), None), req(S, None, None)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(1));
        // A CANCEL answered with 59001 but no COUNTER is still the secondary's.
        assert_eq!(select(&resp(None, None, 59001), &flight), Some(1));
    }

    #[test]
    fn foreign_counter_is_unsolicited() {
        let flight = [req(P, Some(7), None)];
        assert_eq!(select(&resp(Some(6), None, -1), &flight), None);
    }

    #[test]
    fn success_without_the_sent_counter_is_not_the_answer() {
        let flight = [req(P, Some(7), None)];
        assert_eq!(select(&resp(None, None, -1), &flight), None);
        // A failure may come before the terminal read COUNTER (e.g. -2 XML Format Incorrect).
        assert_eq!(select(&resp(None, None, -2), &flight), Some(0));
    }

    #[test]
    fn get_counter_answer_with_its_own_counter_goes_to_the_primary() {
        let flight = [req(P, None, None)];
        assert_eq!(select(&resp(Some(12), None, -1), &flight), Some(0));
    }

    #[test]
    fn a_counter_never_answers_a_secondary_that_sent_none() {
        let flight = [req(S, None, None)];
        assert_eq!(select(&resp(Some(3), None, -1), &flight), None);
    }

    #[test]
    fn skip_auth_prefers_the_secondary_unless_the_code_is_primary_only() {
        let flight = [req(P, None, None), req(S, None, None)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(1));
        for code in PRIMARY_ONLY_CODES {
            assert_eq!(select(&resp(None, None, code), &flight), Some(0), "{code}");
        }
    }

    #[test]
    fn pos_recon_echo_is_exact() {
        let flight = [req(P, None, Some("r1")), req(S, None, Some("r2"))];
        assert_eq!(select(&resp(None, Some("r1"), -1), &flight), Some(0));
        assert_eq!(select(&resp(None, Some("r2"), 59001), &flight), Some(1));
        assert_eq!(select(&resp(None, Some("r3"), -1), &flight), None);
        // Without the echo, the usual order applies.
        assert_eq!(select(&resp(None, None, -1), &flight), Some(1));
    }

    #[test]
    fn recon_nobody_sent_is_unsolicited() {
        let flight = [req(P, None, None)];
        assert_eq!(select(&resp(None, Some("x"), -1), &flight), None);
    }

    #[test]
    fn oldest_secondary_first_and_nothing_in_flight_is_unsolicited() {
        let flight = [req(S, None, None), req(S, None, None)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(0));
        assert_eq!(select(&resp(None, None, -1), &[]), None);
    }

    #[test]
    fn neutral_beats_weak_whatever_the_port() {
        // Primary sent COUNTER 5; a failure without COUNTER fits it only weakly.
        let flight = [req(P, Some(5), None), req(S, None, None)];
        assert_eq!(select(&resp(None, None, -2), &flight), Some(1));
        let only_primary = [req(P, Some(5), None)];
        assert_eq!(select(&resp(None, None, -2), &only_primary), Some(0));
    }

    #[test]
    fn missing_result_code_counts_as_not_success() {
        let flight = [req(P, Some(5), None)];
        let r = ResponseKeys {
            counter: None,
            pos_recon: None,
            result_code: None,
        };
        assert_eq!(select(&r, &flight), Some(0));
    }
}
