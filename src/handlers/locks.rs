//! One writer per post-mortem source inside this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

#[derive(Debug, Default)]
pub struct SourceLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl SourceLocks {
    fn lock_for(&self, source: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget locks nobody holds, so the map stays as small as the work in flight.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(source.to_string()).or_default().clone()
    }

    /// Waits until no other job works on `source`, then holds it until the guard drops.
    pub async fn lock(&self, source: &str) -> OwnedMutexGuard<()> {
        self.lock_for(source).lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_source() {
        let locks = SourceLocks::default();
        let first = locks.lock("a").await;
        assert!(locks.lock_for("a").try_lock().is_err());
        assert!(locks.lock_for("b").try_lock().is_ok());
        drop(first);
        assert!(locks.lock_for("a").try_lock().is_ok());
    }
}
