//! A simulated terminal's status and screen as text lines, the same in `sca_terminal`'s
//! stderr and in the demo's transcript.

use sca_ws_tokio::terminal::Event;

/// The line for `event`, when it is a status or screen change.
pub fn event_line(event: &Event) -> Option<String> {
    match event {
        Event::Status(status) => {
            let state = if status.connected {
                "connected"
            } else {
                "disconnected"
            };
            Some(format!("status: {state} (icon {})", status.icon_path))
        }
        Event::Screen(message) => Some(format!("screen: {message}")),
        _ => None,
    }
}
