//! The COUNTER book: the last accepted COUNTER per MAC label, and the last one overall.
//!
//! A COUNTER must be higher than the last one used with its label (\[spec\]); REGISTER starts a
//! label over. GET COUNTER answers with the COUNTER of the last POS request that carried one,
//! or 1 when there was none (\[seed\]).
//!
//! Every change bumps [`CounterBook::generation`], so the machine can tell the application
//! whenever this state changed (and it must be saved) without comparing copies.

/// Last COUNTER per label, bounded by `max_labels`.
#[derive(Debug, Clone)]
pub(crate) struct CounterBook {
    labels: Vec<(String, u32)>,
    max_labels: usize,
    last: Option<u32>,
    /// Bumped by every change.
    generation: u64,
}

/// Why a COUNTER was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CounterRefusal {
    /// Not higher than the label's last one.
    Stale {
        /// The label's last accepted COUNTER.
        last: u32,
    },
    /// The label is new and the book is full.
    TooManyLabels,
}

impl CounterBook {
    pub(crate) fn new(max_labels: usize) -> Self {
        Self {
            labels: Vec::new(),
            max_labels,
            last: None,
            generation: 0,
        }
    }

    /// How many changes the book has seen.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The most labels the book holds.
    pub(crate) fn max_labels(&self) -> usize {
        self.max_labels
    }

    /// The last COUNTER overall (GET COUNTER's fallback), as exported.
    pub(crate) fn last(&self) -> Option<u32> {
        self.last
    }

    /// Replaces the whole book (a restored state); the caller has checked the label limit.
    pub(crate) fn replace(&mut self, labels: Vec<(String, u32)>, last: Option<u32>) {
        self.labels = labels;
        self.last = last;
        self.generation += 1;
    }

    /// Starts `label` at COUNTER 0, as REGISTER does: any COUNTER from 1 up is fresh.
    pub(crate) fn reset(&mut self, label: &str) {
        self.labels.retain(|(l, _)| l != label);
        self.labels.push((label.to_owned(), 0));
        self.generation += 1;
    }

    /// The label's last accepted COUNTER.
    pub(crate) fn last_for(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, c)| *c)
    }

    /// Whether `counter` would be accepted for `label` (nothing recorded).
    pub(crate) fn check(&self, label: &str, counter: u32) -> Result<(), CounterRefusal> {
        match self.last_for(label) {
            Some(last) if counter <= last => Err(CounterRefusal::Stale { last }),
            Some(_) => Ok(()),
            None if self.labels.len() >= self.max_labels => Err(CounterRefusal::TooManyLabels),
            None => Ok(()),
        }
    }

    /// Records an accepted, authenticated COUNTER for `label`.
    pub(crate) fn accept(&mut self, label: &str, counter: u32) -> Result<(), CounterRefusal> {
        self.check(label, counter)?;
        match self.labels.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 = counter,
            None => self.labels.push((label.to_owned(), counter)),
        }
        self.last = Some(counter);
        self.generation += 1;
        Ok(())
    }

    /// Records a COUNTER seen while checks are off (SKIPPOSAUTH): it only feeds GET COUNTER.
    pub(crate) fn note_unchecked(&mut self, counter: u32) {
        if self.last != Some(counter) {
            self.last = Some(counter);
            self.generation += 1;
        }
    }

    /// Drops `label` (UNREGISTER: its key is gone too).
    pub(crate) fn forget(&mut self, label: &str) {
        let before = self.labels.len();
        self.labels.retain(|(l, _)| l != label);
        if self.labels.len() != before {
            self.generation += 1;
        }
    }

    /// Drops every label (UNREGISTERALL).
    pub(crate) fn forget_all(&mut self) {
        if !self.labels.is_empty() {
            self.labels.clear();
            self.generation += 1;
        }
    }

    /// What GET COUNTER answers: the label's last COUNTER when the request names a label the
    /// book knows, else the last COUNTER overall, else 1.
    pub(crate) fn get_counter(&self, label: Option<&str>) -> u32 {
        label
            .and_then(|l| self.last_for(l))
            .or(self.last)
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_must_rise_per_label() {
        let mut book = CounterBook::new(4);
        assert_eq!(book.get_counter(None), 1);
        book.accept("A", 5).unwrap();
        assert_eq!(book.accept("A", 5), Err(CounterRefusal::Stale { last: 5 }));
        assert_eq!(book.accept("A", 4), Err(CounterRefusal::Stale { last: 5 }));
        book.accept("B", 1).unwrap();
        book.accept("A", 6).unwrap();
        assert_eq!(book.get_counter(None), 6);
        assert_eq!(book.get_counter(Some("B")), 1);
        assert_eq!(book.get_counter(Some("C")), 6);
        book.forget("A");
        book.accept("A", 1).unwrap();
    }

    #[test]
    fn every_change_bumps_the_generation_and_nothing_else_does() {
        let mut book = CounterBook::new(4);
        let mut seen = book.generation();
        let mut changed = |book: &CounterBook, expect: bool| {
            assert_eq!(book.generation() != seen, expect);
            seen = book.generation();
        };
        book.accept("A", 5).unwrap();
        changed(&book, true);
        let _ = book.accept("A", 5);
        changed(&book, false);
        book.note_unchecked(5);
        changed(&book, false);
        book.note_unchecked(6);
        changed(&book, true);
        book.reset("A");
        changed(&book, true);
        assert_eq!(book.last_for("A"), Some(0));
        book.forget("B");
        changed(&book, false);
        book.forget("A");
        changed(&book, true);
        book.forget_all();
        changed(&book, false);
    }

    #[test]
    fn full_book_refuses_new_labels_but_keeps_old_ones() {
        let mut book = CounterBook::new(1);
        book.accept("A", 1).unwrap();
        assert_eq!(book.accept("B", 1), Err(CounterRefusal::TooManyLabels));
        book.accept("A", 2).unwrap();
        book.forget_all();
        book.accept("B", 1).unwrap();
        book.note_unchecked(3);
        assert_eq!(book.get_counter(None), 3);
    }
}
