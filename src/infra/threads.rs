//! Helper threads that start when they are started.
//!
//! Linux queues a new thread on the CPU of the thread that spawned it and leaves it there
//! while that thread keeps the CPU busy; an idle CPU takes it over only at a later balancing
//! pass. On the 2-core VMs we measure on, that pass came 0.1–5 ms later (2.5 ms median): a
//! helper meant to halve a 4 ms stretch of work mostly ran after it (docs/performance.md).
//! [`spawn_now`] spawns the helper and then moves the *spawning* thread to another allowed
//! CPU and back to its old set: the helper gets the CPU it was queued on at once (it started
//! within ~0.15 ms in the same measurement), the spawner carries on elsewhere, and neither
//! thread stays pinned. Where the affinity cannot be read or set, or only one CPU is allowed
//! (`taskset -c 0`), nothing moves and the helper starts as the scheduler decides.

use std::sync::OnceLock;
use std::thread::{Scope, ScopedJoinHandle};

/// How many CPUs this process may run on (asked once: it reads cgroup files).
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Whether this process may run on more than one CPU.
pub fn several_cores() -> bool {
    cores() > 1
}

/// Spawns `work` on a scoped thread and gives it the current CPU (see the module's text).
pub fn spawn_now<'scope, 'env, T, F>(
    scope: &'scope Scope<'scope, 'env>,
    work: F,
) -> ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    let handle = scope.spawn(work);
    step_aside();
    handle
}

/// Moves the calling thread off its CPU, then allows it every CPU it was allowed before.
#[cfg(target_os = "linux")]
fn step_aside() {
    use rustix::thread::{sched_getaffinity, sched_getcpu, sched_setaffinity};
    let Ok(allowed) = sched_getaffinity(None) else {
        return;
    };
    let here = sched_getcpu();
    let mut elsewhere = allowed;
    elsewhere.unset(here);
    if elsewhere.count() == 0 || elsewhere == allowed {
        return;
    }
    if sched_setaffinity(None, &elsewhere).is_ok() {
        // Back to the old set: the thread stays where it went until the scheduler moves it.
        let _ = sched_setaffinity(None, &allowed);
    }
}

#[cfg(not(target_os = "linux"))]
fn step_aside() {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spawner ends with the CPUs it was allowed before (where the affinity can be read),
    /// and the helper runs its work.
    #[test]
    fn the_spawner_keeps_its_cpus_and_the_helper_works() {
        #[cfg(target_os = "linux")]
        let before = rustix::thread::sched_getaffinity(None).ok();
        let sum = std::thread::scope(|scope| {
            let helper = spawn_now(scope, || (1..=100u32).sum::<u32>());
            helper.join().expect("the helper")
        });
        assert_eq!(sum, 5050);
        #[cfg(target_os = "linux")]
        assert_eq!(rustix::thread::sched_getaffinity(None).ok(), before);
    }
}
