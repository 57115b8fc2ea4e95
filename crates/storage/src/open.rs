//! Opening a store from its address, as written in a config (`storage = "…"`) or on the
//! command line (`--storage`).

use crate::{open_postgres, open_sqlite, StorageError, TrialStore};
use std::path::Path;

/// Opens the store at `url`: `postgres://…` or `postgresql://…` for PostgreSQL, `sqlite://PATH`
/// or a plain file path for SQLite. Any other scheme is refused with the ones allowed.
///
/// ```
/// let err = modnas_storage::open_store("redis://host/0").err().unwrap();
/// assert!(err.to_string().contains("sqlite://PATH"));
/// ```
pub fn open_store(url: &str) -> Result<Box<dyn TrialStore>, StorageError> {
    match scheme(url) {
        Some("postgres" | "postgresql") => open_postgres(url),
        Some("sqlite") => open_sqlite(Path::new(&url["sqlite://".len()..])),
        Some(_) => Err(StorageError::BadUrl { url: url.into() }),
        None if url.trim().is_empty() => Err(StorageError::BadUrl { url: url.into() }),
        None => open_sqlite(Path::new(url)),
    }
}

fn scheme(url: &str) -> Option<&str> {
    url.split_once("://").map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_database() {
        assert_eq!(scheme("postgres://h/db"), Some("postgres"));
        assert_eq!(scheme("runs/x/trials.db"), None);
        assert!(matches!(open_store(""), Err(StorageError::BadUrl { .. })));
        assert!(matches!(
            open_store("mysql://h/db"),
            Err(StorageError::BadUrl { .. })
        ));
    }
}
