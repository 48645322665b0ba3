//! The descriptor limit: ten thousand links need more than the usual soft limit of 1024, so
//! both binaries raise it toward the hard limit at start and say when it is still too low.

/// Raises the soft `RLIMIT_NOFILE` as far as the hard limit allows and returns a warning
/// when the result is below `needed` descriptors.
pub fn raise_for(needed: u64) -> Option<String> {
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(e) => return Some(format!("cannot raise the descriptor limit: {e}")),
    };
    (soft < needed).then(|| {
        format!(
            "warning: the descriptor limit is {soft}, below the {needed} needed; \
             raise the hard limit (ulimit -Hn) or expect refused connections"
        )
    })
}
