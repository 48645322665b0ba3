//! A link's part in keeping its pinpad id's book: what a pairing answer changes in the
//! link's [`CounterBook`], and writing the book back to the shared books whenever it moved,
//! so the id's next link starts where this one stopped.

use sca_ws::Response;
use sca_ws::broker::{CounterBook, Link};

use super::error::SubmitError;
use super::event::Event;
use super::shared::{Pairing, Shared};

/// Writes `link`'s book back to the shared books when it changed since `last` (its text)
/// and link `serial` is still `pinpad_id`'s current one (a replaced link must not
/// overwrite its successor's); then announces [`Event::BookChanged`].
pub(crate) fn keep_book(
    shared: &Shared,
    serial: u64,
    pinpad_id: &str,
    last: &mut Option<String>,
    link: &Link,
) {
    let book = link.counters();
    if book.is_empty() && last.is_none() {
        return;
    }
    let text = book.encode();
    if last.as_deref() == Some(text.as_str()) {
        return;
    }
    {
        let mut state = shared.state();
        if state.registry.link(pinpad_id) != Some(&serial) {
            return;
        }
        if book.is_empty() {
            state.books.remove(pinpad_id);
        } else {
            state.books.insert(pinpad_id.to_owned(), book.clone());
        }
    }
    *last = (!book.is_empty()).then_some(text);
    shared.emit(Event::BookChanged {
        pinpad_id: pinpad_id.to_owned(),
    });
}

/// What a pairing request's answer changes in the link's book, and what its caller gets.
pub(crate) fn paired(
    link: &mut Link,
    pairing: Pairing,
    response: Response,
) -> Result<Response, SubmitError> {
    match pairing {
        Pairing::None => {}
        Pairing::Register(key, seed) => {
            let registration = key
                .read_register_answer(&response, seed)
                .map_err(SubmitError::Pairing)?;
            registration
                .install(link.counters_mut())
                .map_err(SubmitError::Pairing)?;
        }
        Pairing::Unregister(Some(label)) if response.is_success() => {
            link.counters_mut().remove(&label);
        }
        Pairing::Unregister(None) if response.is_success() => {
            link.set_counters(CounterBook::new());
        }
        Pairing::Unregister(_) => {}
    }
    Ok(response)
}
