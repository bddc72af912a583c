//! Where a read of the query core runs, and for how long. Nearly every read is short (tens
//! of microseconds on cached pages), so it first runs right on the async worker that took the
//! request, for at most [`INLINE_BUDGET`]: no hop to another thread. A read that outruns that
//! budget (or finds no idle connection) is stopped and run again on a blocking thread, for the
//! rest of its request's time, under two rules that keep one caller from taking the server:
//! all such reads share half the pool's connections, and one caller (by login, else by
//! address) holds at most half of those; a read waits [`QUEUE_WAIT`] at most for its places,
//! and is refused as busy after that (429 for the caller's share, 503 for the server's). A
//! read still running when its request's time is up is stopped (`deadline::until`) and
//! answered as timed out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// How long a read may run on an async worker before it is moved to a blocking thread.
pub const INLINE_BUDGET: Duration = Duration::from_millis(2);

/// The longest a costly read waits for a blocking slot before it is refused as busy.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);

tokio::task_local! {
    static REQUEST: ReadScope;
}

/// What reads know of the request they serve: when its time is up, and who sent it.
#[derive(Debug, Clone)]
pub struct ReadScope {
    pub deadline: Instant,
    /// The limit the deadline came from, for the timeout's message.
    pub limit: Duration,
    /// Who the fairness rule counts the request's costly reads under: its login when it
    /// has one, else its address.
    pub caller: Option<Arc<str>>,
}

impl ReadScope {
    /// Runs `request` with its reads bound by this scope.
    pub async fn scope<F: std::future::Future>(self, request: F) -> F::Output {
        REQUEST.scope(self, request).await
    }

    /// The scope of the request being served, if any (commands and tests read unbound).
    pub fn current() -> Option<ReadScope> {
        REQUEST.try_with(Clone::clone).ok()
    }
}

/// The fairness rule's bookkeeping.
#[derive(Debug)]
pub struct Admission {
    /// Blocking reads at once (the rest of the pool stays for reads on the async workers).
    slots: Arc<Semaphore>,
    /// Each caller's share of the slots.
    per_caller: usize,
    callers: Mutex<HashMap<Arc<str>, Arc<Semaphore>>>,
}

/// Callers remembered before the idle ones are forgotten.
const CALLERS_KEPT: usize = 10_000;

impl Admission {
    /// For a pool of `connections`: half of them for blocking reads, and a caller may hold
    /// half of those.
    pub fn new(connections: u32) -> Admission {
        let slots = (connections as usize / 2).max(1);
        Admission {
            slots: Arc::new(Semaphore::new(slots)),
            per_caller: (slots / 2).max(1),
            callers: Mutex::new(HashMap::new()),
        }
    }

    /// A blocking slot for a costly read of `caller`, waited for until `until`: first one of
    /// the caller's own share (else it is busy), then one of all (else the server is).
    pub async fn admit(
        &self,
        caller: Option<&Arc<str>>,
        until: Instant,
    ) -> Result<Admitted, AppError> {
        let own = caller.map(|caller| self.share_of(caller));
        let until = tokio::time::Instant::from_std(until);
        let own = match own {
            Some(share) => Some(
                tokio::time::timeout_at(until, share.acquire_owned())
                    .await
                    .map_err(|_| AppError::CallerBusy {
                        retry_after_secs: 1,
                    })?
                    .map_err(AppError::internal)?,
            ),
            None => None,
        };
        let slot = tokio::time::timeout_at(until, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| AppError::ServerBusy {
                retry_after_secs: 1,
            })?
            .map_err(AppError::internal)?;
        Ok(Admitted {
            _own: own,
            _slot: slot,
        })
    }

    fn share_of(&self, caller: &Arc<str>) -> Arc<Semaphore> {
        let mut callers = self.callers.lock().expect("admission lock");
        if callers.len() >= CALLERS_KEPT {
            // Forget the callers with nothing running or waiting.
            callers.retain(|_, share| Arc::strong_count(share) > 1);
        }
        callers
            .entry(caller.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_caller)))
            .clone()
    }
}

/// A costly read's places: its caller's and the server's, given back when dropped.
pub struct Admitted {
    _own: Option<OwnedSemaphorePermit>,
    _slot: OwnedSemaphorePermit,
}
