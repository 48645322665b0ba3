//! Which outstanding request a RESPONSE answers: the rule stated in the [`crate::broker`]
//! module docs ("Matching a RESPONSE to its request"), as code.

/// Commands whose answer may carry neither COUNTER nor POS_RECON echo (FUNCTION_TYPE,
/// COMMAND), \[seed\]: SESSION START is answered in the seed document with neither, and the
/// seed's GET COUNTER answer reports the terminal's own COUNTER. See the module docs.
pub const ANSWERED_WITHOUT_ECHO: [(&str, &str); 2] =
    [("SESSION", "START"), ("ADMIN", "GET_COUNTER")];

/// Whether a request may be answered by a response that carries no evidence for it: it
/// carried no COUNTER, the POS did not set its POS_RECON, and its command (or the caller)
/// says its answer may lack the echo.
pub(crate) fn may_lack_echo(
    function_type: &str,
    command: &str,
    counter_sent: bool,
    recon_set_by_pos: bool,
    caller_allows: bool,
) -> bool {
    let listed = ANSWERED_WITHOUT_ECHO
        .iter()
        .any(|&(f, c)| f == function_type && c == command);
    !counter_sent && !recon_set_by_pos && (listed || caller_allows)
}

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
    /// See [`may_lack_echo`].
    pub(crate) may_lack_echo: bool,
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

/// How well a response fits one request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// It cannot be this request's answer.
    Excluded,
    /// No evidence either way, and the request may be answered without any.
    NoEvidence,
    /// An echo of what the request carried, and nothing against it.
    Evidence,
}

/// What one field says about a request: nothing, evidence for it, or against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    Nothing,
    For,
    Against,
}

fn fit(request: &RequestKeys, response: &ResponseKeys<'_>) -> Fit {
    let by_counter = match (request.counter, response.counter) {
        (Some(c), Some(r)) if c == r => Says::For,
        (Some(_), Some(_)) => Says::Against,
        // A COUNTER the request did not carry is no echo: GET COUNTER reports its own, and
        // a stray one is judged by POS_RECON, which every request carries.
        _ => Says::Nothing,
    };
    let by_recon = match (request.pos_recon.as_deref(), response.pos_recon) {
        (Some(p), Some(r)) if p == r => Says::For,
        (_, Some(_)) => Says::Against,
        (_, None) => Says::Nothing,
    };
    if by_counter == Says::Against || by_recon == Says::Against {
        Fit::Excluded
    } else if by_counter == Says::For || by_recon == Says::For {
        Fit::Evidence
    } else if request.may_lack_echo {
        Fit::NoEvidence
    } else {
        Fit::Excluded
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
        // Without evidence the preferred port wins; earlier entries win ties.
        let preferred = (request.port == Port::Primary) == primary_first;
        let rank = (f, f == Fit::NoEvidence && preferred);
        if best.is_none_or(|(_, b)| rank > b) {
            best = Some((i, rank));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the link sends it: with a POS_RECON (its own or the POS's).
    fn req(port: Port, counter: Option<u32>, recon: &str, may_lack_echo: bool) -> RequestKeys {
        RequestKeys {
            port,
            counter,
            pos_recon: Some(recon.into()),
            may_lack_echo,
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
    fn a_notification_is_never_a_payment_answer() {
        // Skip-auth CAPTURE: no COUNTER, a POS_RECON (the link's or the POS's).
        let flight = [req(P, None, "r1", false)];
        for code in [-1, -2, 59001, 59002] {
            assert_eq!(select(&resp(None, None, code), &flight), None, "{code}");
        }
        assert_eq!(select(&resp(None, Some("r1"), -1), &flight), Some(0));
    }

    #[test]
    fn counter_echo_is_evidence_and_a_foreign_counter_excludes() {
        let flight = [req(P, Some(7), "r1", false), req(S, None, "r2", false)];
        assert_eq!(select(&resp(Some(7), None, -1), &flight), Some(0));
        assert_eq!(select(&resp(Some(6), None, -1), &flight), None);
        // A foreign POS_RECON excludes the primary whose COUNTER it carries; the COUNTER is
        // no echo for the secondary, whose POS_RECON it is.
        assert_eq!(select(&resp(Some(7), Some("r2"), -1), &flight), Some(1));
        assert_eq!(select(&resp(Some(7), Some("r3"), -1), &flight), None);
    }

    #[test]
    fn pos_recon_echo_is_exact_and_a_foreign_one_is_unsolicited() {
        let flight = [req(P, None, "r1", false), req(S, None, "r2", false)];
        assert_eq!(select(&resp(None, Some("r1"), -1), &flight), Some(0));
        assert_eq!(select(&resp(None, Some("r2"), 59001), &flight), Some(1));
        assert_eq!(select(&resp(None, Some("r3"), -1), &flight), None);
        assert_eq!(select(&resp(None, None, -1), &flight), None);
    }

    #[test]
    fn a_stray_counter_neither_proves_nor_excludes() {
        // GET COUNTER reports the terminal's own COUNTER.
        let flight = [req(P, None, "r1", true)];
        assert_eq!(select(&resp(Some(12), None, -1), &flight), Some(0));
        let flight = [req(S, None, "r2", false)];
        assert_eq!(select(&resp(Some(3), Some("r2"), -1), &flight), Some(0));
        assert_eq!(select(&resp(Some(3), None, -1), &flight), None);
    }

    #[test]
    fn without_evidence_only_a_request_that_allows_it_is_answered() {
        let flight = [req(P, None, "r1", true), req(S, None, "r2", false)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(0));
        let flight = [req(P, None, "r1", true), req(S, None, "r2", true)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(1));
        for code in PRIMARY_ONLY_CODES {
            assert_eq!(select(&resp(None, None, code), &flight), Some(0), "{code}");
        }
    }

    #[test]
    fn evidence_beats_no_evidence_and_the_earliest_wins_ties() {
        let flight = [req(S, None, "r1", true), req(P, None, "r2", true)];
        assert_eq!(select(&resp(None, Some("r2"), -1), &flight), Some(1));
        let flight = [req(S, None, "r1", true), req(S, None, "r2", true)];
        assert_eq!(select(&resp(None, None, -1), &flight), Some(0));
        assert_eq!(select(&resp(None, None, -1), &[]), None);
    }

    #[test]
    fn the_listed_commands_only_when_neither_counter_nor_pos_set_recon() {
        assert!(may_lack_echo("SESSION", "START", false, false, false));
        assert!(may_lack_echo("ADMIN", "GET_COUNTER", false, false, false));
        assert!(!may_lack_echo("SESSION", "START", true, false, false));
        assert!(!may_lack_echo("SESSION", "START", false, true, false));
        assert!(!may_lack_echo("PAYMENT", "CAPTURE", false, false, false));
        assert!(may_lack_echo("PAYMENT", "CAPTURE", false, false, true));
        assert!(!may_lack_echo("PAYMENT", "CAPTURE", false, true, true));
    }

    #[test]
    fn missing_result_code_changes_nothing() {
        let flight = [req(P, Some(5), "r1", false)];
        let r = ResponseKeys {
            counter: None,
            pos_recon: None,
            result_code: None,
        };
        assert_eq!(select(&r, &flight), None);
    }
}
