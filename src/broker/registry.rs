//! One reachable link per pinpad id, decided the same way by every driver.
//!
//! A terminal that lost its link dials again, and the broker may not have noticed the old
//! one die (a half-open TCP connection); a misconfigured second terminal may claim the same
//! id. Either way the newest link is the one the terminal is using, so it wins: the older
//! one is closed with [`CLOSE_REPLACED`], its requests fail with
//! [`super::RequestFailure::Replaced`], and the id is reported disconnected only when no
//! link of it is left.
//!
//! The registry is bookkeeping only (sans-IO, no links inside): the driver tells it that a
//! link was accepted for an id or that a link ended, and it answers which older link to
//! close and whether the id just lost its last link. `L` is whatever names a link in the
//! driver: a serial number, a slab key, a task id.

use std::collections::HashMap;
use std::hash::Hash;

use crate::frame::CloseCode;

/// Close code of a link replaced by a newer link with the same pinpad id (RFC 6455 §7.4.2:
/// 4000–4999 is for private use; \[choice\]).
pub const CLOSE_REPLACED: CloseCode = CloseCode(4001);

/// Close reason sent with [`CLOSE_REPLACED`].
pub const CLOSE_REPLACED_REASON: &str = "replaced by a newer link with this pinpad id";

/// An older link to close because a newer one took its pinpad id: call
/// [`super::Link::close_replaced`] on it, which sends exactly `code` and `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replaced<L> {
    /// The older link.
    pub link: L,
    /// The pinpad id both links claimed.
    pub pinpad_id: String,
    /// [`CLOSE_REPLACED`].
    pub code: CloseCode,
    /// [`CLOSE_REPLACED_REASON`].
    pub reason: &'static str,
}

/// Which link reaches each pinpad id. Memory: one entry per registered link.
#[derive(Debug, Clone)]
pub struct Registry<L> {
    by_pinpad: HashMap<Box<str>, L>,
    pinpad_of: HashMap<L, Box<str>>,
}

impl<L> Default for Registry<L> {
    fn default() -> Self {
        Self {
            by_pinpad: HashMap::new(),
            pinpad_of: HashMap::new(),
        }
    }
}

impl<L: Clone + Eq + Hash> Registry<L> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// `link` was accepted for `pinpad_id` (after [`super::Link::accept`]): it becomes the
    /// id's link. Returns the link it replaces, which the driver must close. Registering a
    /// link again under another id moves it.
    pub fn accepted(&mut self, pinpad_id: &str, link: L) -> Option<Replaced<L>> {
        if let Some(previous_id) = self.pinpad_of.remove(&link)
            && self.by_pinpad.get(&previous_id) == Some(&link)
        {
            self.by_pinpad.remove(&previous_id);
        }
        self.pinpad_of.insert(link.clone(), pinpad_id.into());
        let older = self.by_pinpad.insert(pinpad_id.into(), link.clone())?;
        if older == link {
            return None;
        }
        // The older link stays known until it ends, so its end is recognised as no loss.
        Some(Replaced {
            link: older,
            pinpad_id: pinpad_id.to_owned(),
            code: CLOSE_REPLACED,
            reason: CLOSE_REPLACED_REASON,
        })
    }

    /// `link` ended (its `Closed` event came). Returns the pinpad id that has no link left
    /// (report it disconnected), or `None` when a newer link holds the id or `link` was
    /// never registered: then nothing about the id changed.
    pub fn ended(&mut self, link: &L) -> Option<String> {
        let pinpad_id = self.pinpad_of.remove(link)?;
        if self.by_pinpad.get(&pinpad_id) != Some(link) {
            return None;
        }
        self.by_pinpad.remove(&pinpad_id);
        Some(pinpad_id.into())
    }

    /// The link that reaches `pinpad_id`, if any.
    pub fn link(&self, pinpad_id: &str) -> Option<&L> {
        self.by_pinpad.get(pinpad_id)
    }

    /// The pinpad id `link` was accepted for (also while it is being replaced).
    pub fn pinpad_id(&self, link: &L) -> Option<&str> {
        self.pinpad_of.get(link).map(|id| &**id)
    }

    /// Links known: the reachable ones plus replaced ones that have not ended yet.
    pub fn len(&self) -> usize {
        self.pinpad_of.len()
    }

    /// Whether no link is known.
    pub fn is_empty(&self) -> bool {
        self.pinpad_of.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_wins_and_the_older_end_is_no_disconnection() {
        let mut r = Registry::new();
        assert_eq!(r.accepted("7", 1), None);
        let replaced = r.accepted("7", 2).expect("the older link is to close");
        assert_eq!((replaced.link, replaced.code), (1, CLOSE_REPLACED));
        assert!((4000..=4999).contains(&replaced.code.0) && replaced.code.is_valid_on_wire());
        assert_eq!(r.link("7"), Some(&2));
        assert_eq!(r.ended(&1), None, "the id still has link 2");
        assert_eq!(r.ended(&2).as_deref(), Some("7"));
        assert_eq!(r.link("7"), None);
        assert!(r.is_empty());
    }

    #[test]
    fn ids_are_independent_and_unknown_links_change_nothing() {
        let mut r = Registry::new();
        assert_eq!(r.accepted("a", 1), None);
        assert_eq!(r.accepted("b", 2), None);
        assert_eq!(r.ended(&9), None);
        assert_eq!(r.ended(&1).as_deref(), Some("a"));
        assert_eq!(r.ended(&1), None, "a second end is nothing");
        assert_eq!(r.link("b"), Some(&2));
    }

    #[test]
    fn three_links_in_a_row_each_replaces_the_last() {
        let mut r = Registry::new();
        r.accepted("x", 1);
        assert_eq!(r.accepted("x", 2).map(|x| x.link), Some(1));
        assert_eq!(r.accepted("x", 3).map(|x| x.link), Some(2));
        assert_eq!(r.len(), 3);
        // Replaced links end in any order without reporting the id.
        assert_eq!(r.ended(&2), None);
        assert_eq!(r.ended(&1), None);
        assert_eq!(r.pinpad_id(&3), Some("x"));
        assert_eq!(r.ended(&3).as_deref(), Some("x"));
    }

    #[test]
    fn registering_again_is_harmless_and_moving_frees_the_old_id() {
        let mut r = Registry::new();
        r.accepted("x", 1);
        assert_eq!(r.accepted("x", 1), None);
        assert_eq!(r.accepted("y", 1), None);
        assert_eq!(r.link("x"), None);
        assert_eq!(r.ended(&1).as_deref(), Some("y"));
    }
}
