//! What the cluster needs to know about, and do to, this node's own links, read straight
//! from the broker's shared state (crate-internal, so the broker's public API stays as it
//! is).

use std::time::SystemTime;

use crate::broker::Handle;
use crate::broker::shared::Control;

/// When the link holding `pinpad_id` here was accepted; `None` when no link here holds it.
pub(crate) fn held_since(handle: &Handle, pinpad_id: &str) -> Option<SystemTime> {
    let state = handle.shared.state();
    let serial = state.registry.link(pinpad_id)?;
    state.links.get(serial).map(|entry| entry.connected_since)
}

/// The ids held here with their accept times.
pub(crate) fn held(handle: &Handle) -> Vec<(String, SystemTime)> {
    let state = handle.shared.state();
    state
        .links
        .iter()
        .filter(|(serial, entry)| state.registry.link(&entry.pinpad_id) == Some(serial))
        .map(|(_, entry)| (entry.pinpad_id.clone(), entry.connected_since))
        .collect()
}

/// Closes the link holding `pinpad_id` with the core's replaced code, if it is still the
/// one accepted at `since` (a newer local link that came meanwhile is left alone).
/// Returns whether a link was told to close.
pub(crate) fn close_replaced(handle: &Handle, pinpad_id: &str, since: SystemTime) -> bool {
    let state = handle.shared.state();
    let Some(serial) = state.registry.link(pinpad_id) else {
        return false;
    };
    let current = state.links.get(serial).map(|entry| entry.connected_since);
    if current != Some(since) {
        return false;
    }
    match state.tasks.get(serial) {
        Some(control) => {
            control.send_replace(Control::Replaced);
            true
        }
        None => false,
    }
}
