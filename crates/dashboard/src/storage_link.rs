//! A run directory's link to the trial storage its config names. The storage may not exist
//! yet (a coordinator creates it after the config), or be unreachable for a while (a database
//! server restarting): the link then retries with a growing pause, so that a page refresh every
//! half second never waits on a connection attempt each time, and the run's own files stay
//! readable meanwhile.

use crate::store_run::{open_existing, StoreRun, WorkersView};
use std::time::{Duration, Instant};

/// The first pause before trying again; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest pause between attempts.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The storage of a run directory: waiting to be opened, or open.
#[derive(Debug)]
pub(crate) enum StorageLink {
    /// Not opened (yet, or again after a failure).
    Closed {
        url: String,
        run: String,
        /// No attempt before this instant.
        next_try: Instant,
        pause: Duration,
        /// Why the last attempt failed.
        error: Option<String>,
    },
    /// Open and read on every refresh.
    Open { url: String, view: Box<StoreRun> },
}

impl StorageLink {
    /// A link to run `run` of the storage at `url`, tried at the first refresh.
    pub fn new(url: String, run: String) -> Self {
        Self::Closed {
            url,
            run,
            next_try: Instant::now(),
            pause: FIRST_PAUSE,
            error: None,
        }
    }

    /// Opens the storage when an attempt is due, or re-reads the open one. A failure closes
    /// the link and schedules the next attempt; it is never an error of the refresh.
    pub fn refresh(&mut self) {
        let now = Instant::now();
        match self {
            Self::Closed {
                url,
                run,
                next_try,
                pause,
                error,
            } => {
                if now < *next_try {
                    return;
                }
                match open_existing(url).and_then(|store| StoreRun::open(store, run)) {
                    Ok(view) => {
                        *self = Self::Open {
                            url: std::mem::take(url),
                            view: Box::new(view),
                        }
                    }
                    Err(e) => {
                        *error = Some(e.to_string());
                        *next_try = now + *pause;
                        *pause = (*pause * 2).min(MAX_PAUSE);
                    }
                }
            }
            Self::Open { url, view } => {
                if let Err(e) = view.refresh() {
                    let storage = modnas::storage::redact_url(url);
                    tracing::warn!(%storage, error = %e, "the run's storage cannot be read; retrying");
                    *self = Self::Closed {
                        url: std::mem::take(url),
                        run: view.name().to_string(),
                        next_try: now + FIRST_PAUSE,
                        pause: FIRST_PAUSE * 2,
                        error: Some(e.to_string()),
                    };
                }
            }
        }
    }

    /// The trials and workers while open; while closed after a failed attempt, an empty view
    /// that says why; `None` before the first attempt has failed.
    pub fn workers(&self) -> Option<WorkersView> {
        match self {
            Self::Open { view, .. } => Some(view.workers()),
            Self::Closed {
                error: Some(error),
                url,
                run,
                ..
            } => Some(WorkersView {
                storage: modnas::storage::redact_url(url),
                run: run.clone(),
                unreachable: Some(error.clone()),
                ..WorkersView::default()
            }),
            Self::Closed { error: None, .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_storage_is_retried_with_a_growing_pause_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("trials.db").display());
        let mut link = StorageLink::new(url.clone(), "r".into());
        assert!(link.workers().is_none(), "nothing tried yet");
        link.refresh();
        let view = link.workers().expect("a failed attempt is reported");
        assert_eq!(
            (view.storage.as_str(), view.run.as_str()),
            (url.as_str(), "r")
        );
        assert!(view.unreachable.unwrap().contains("no such file"));
        let StorageLink::Closed {
            next_try, pause, ..
        } = &link
        else {
            panic!("still closed");
        };
        assert!(*next_try > Instant::now(), "no attempt before the pause");
        assert_eq!(*pause, FIRST_PAUSE * 2);
        // An attempt before the pause is over is skipped: the pause stays as it was.
        link.refresh();
        assert!(matches!(&link, StorageLink::Closed { pause, .. } if *pause == FIRST_PAUSE * 2));
    }

    #[test]
    fn the_pause_stops_growing_at_its_limit() {
        let mut link = StorageLink::new("sqlite:///nonexistent/trials.db".into(), "r".into());
        for _ in 0..12 {
            if let StorageLink::Closed { next_try, .. } = &mut link {
                *next_try = Instant::now();
            }
            link.refresh();
        }
        assert!(matches!(&link, StorageLink::Closed { pause, .. } if *pause == MAX_PAUSE));
    }
}
