//! What an operation may cost: execution slots for costly operations and
//! the complexity budget a batch shares.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::config::Limits;

/// Execution slots for costly operations (schema data): a few at a time, so
/// cheap requests are never starved by expensive ones.
pub struct Admission {
    pub(super) slots: Arc<Semaphore>,
    pub(super) threshold: usize,
    pub(super) wait: Duration,
}

impl Admission {
    pub fn new(limits: &Limits) -> Admission {
        Admission {
            slots: Arc::new(Semaphore::new(limits.max_costly_executions.max(1))),
            threshold: limits.costly_complexity,
            wait: limits.costly_queue_wait,
        }
    }

    /// The slots themselves, for the application state (and its tests).
    pub fn slots(&self) -> Arc<Semaphore> {
        self.slots.clone()
    }
}

/// The complexity budget a batch shares (one per HTTP request): ten costly
/// operations in one batch cost what ten requests would.
#[derive(Debug)]
pub struct Budget(std::sync::atomic::AtomicUsize);

impl Budget {
    pub fn new(total: usize) -> Arc<Budget> {
        Arc::new(Budget(std::sync::atomic::AtomicUsize::new(total)))
    }

    /// Takes `cost` from the budget; false (and nothing taken) if it is not there.
    pub(super) fn charge(&self, cost: usize) -> bool {
        use std::sync::atomic::Ordering;
        self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(cost)).is_ok()
    }

    /// Gives back what an operation that did not run was charged.
    pub(super) fn refund(&self, cost: usize) {
        self.0.fetch_add(cost, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_budget_is_shared_and_never_overdrawn() {
        let budget = Budget::new(10);
        assert!(budget.charge(6));
        assert!(!budget.charge(6));
        assert!(budget.charge(4));
        assert!(!budget.charge(1));
    }
}
