//! The text form of every pinpad id's book, for a POS that keeps its pairings across
//! restarts: `pinpad HEX(id)` then that book's own text ([`CounterBook::encode`]), per id.

use sca_ws::broker::CounterBook;

/// Most ids a saved text may hold: far above one broker's terminals, and a bound on what a
/// damaged file makes the broker allocate.
const MAX_IDS: usize = 1_000_000;

/// The text of `books` (as [`super::Handle::books`] returns them). Holds keys.
pub fn encode_books(books: &[(String, CounterBook)]) -> String {
    let mut out = String::new();
    for (id, book) in books {
        out.push_str("pinpad ");
        for b in id.bytes() {
            out.push_str(&format!("{b:02x}"));
        }
        out.push('\n');
        out.push_str(&book.encode());
    }
    out
}

/// Reads what [`encode_books`] wrote; any other text is refused whole, saying where.
pub fn decode_books(text: &str) -> Result<Vec<(String, CounterBook)>, String> {
    let mut books = Vec::new();
    let mut current: Option<(String, String)> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(hex) = line.strip_prefix("pinpad ") {
            finish(current.take(), &mut books)?;
            if books.len() >= MAX_IDS {
                return Err(format!("more than {MAX_IDS} pinpad ids"));
            }
            let id = unhex(hex.trim()).ok_or(format!("line {}: bad pinpad id", n + 1))?;
            current = Some((id, String::new()));
        } else {
            let (_, body) = current
                .as_mut()
                .ok_or(format!("line {}: no pinpad line before it", n + 1))?;
            body.push_str(line);
            body.push('\n');
        }
    }
    finish(current.take(), &mut books)?;
    Ok(books)
}

fn finish(
    entry: Option<(String, String)>,
    books: &mut Vec<(String, CounterBook)>,
) -> Result<(), String> {
    if let Some((id, text)) = entry {
        let book = CounterBook::decode(&text).map_err(|e| format!("pinpad {id}: {e}"))?;
        books.push((id, book));
    }
    Ok(())
}

fn unhex(hex: &str) -> Option<String> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn books_survive_their_text_and_damage_is_refused() {
        let mut book = CounterBook::new();
        book.insert("P_1", &[7; 16], 41).expect("insert");
        let text = encode_books(&[("T 1".to_owned(), book)]);
        let back = decode_books(&text).expect("decode");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "T 1");
        assert_eq!(back[0].1.last_counter("P_1"), Some(41));
        for bad in [
            "label 00 AA 1\n",
            "pinpad zz\n",
            "pinpad 41\ngarbage\n",
            "pinpad 4\n",
        ] {
            assert!(decode_books(bad).is_err(), "{bad:?}");
        }
        assert!(decode_books("").expect("empty").is_empty());
    }
}
