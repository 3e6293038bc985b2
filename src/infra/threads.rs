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

/// `work` on the two halves of `items` at once, the second half's on a helper thread, when
/// there are `from` items or more and several CPUs; else `work` on all of them. The results
/// in order: the first half's (or the whole's), then the second's.
pub fn in_halves<T: Sync, R: Send>(
    items: &[T],
    from: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> (R, Option<R>) {
    if items.len() < from || !several_cores() {
        return (work(items), None);
    }
    let (head, tail) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let tail = spawn_now(scope, || work(tail));
        let head = work(head);
        match tail.join() {
            Ok(tail) => (head, Some(tail)),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Output a helper writes while another thread writes what comes before it: held in memory
/// in chunks of 64 KiB (a growing buffer would copy itself and touch twice its pages), then
/// written out in turn.
#[derive(Default)]
pub struct HeldOutput {
    chunks: Vec<Vec<u8>>,
}

const CHUNK: usize = 64 * 1024;

impl HeldOutput {
    /// Writes what was held, in order.
    pub fn write_to(&self, out: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
        self.chunks
            .iter()
            .try_for_each(|chunk| out.write_all(chunk))
    }
}

impl std::io::Write for HeldOutput {
    fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<usize> {
        let written = bytes.len();
        while !bytes.is_empty() {
            let chunk = match self.chunks.last_mut() {
                Some(chunk) if chunk.len() < CHUNK => chunk,
                _ => {
                    self.chunks.push(Vec::with_capacity(CHUNK));
                    self.chunks.last_mut().expect("just pushed")
                }
            };
            let now = bytes.len().min(CHUNK - chunk.len());
            chunk.extend_from_slice(&bytes[..now]);
            bytes = &bytes[now..];
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

    /// The spawner ends with the CPUs it was allowed before, and the helper runs its work.
    #[test]
    fn the_spawner_keeps_its_cpus_and_the_helper_works() {
        #[cfg(target_os = "linux")]
        let before = rustix::thread::sched_getaffinity(None).expect("affinity");
        let sum = std::thread::scope(|scope| {
            let helper = spawn_now(scope, || (1..=100u32).sum::<u32>());
            helper.join().expect("the helper")
        });
        assert_eq!(sum, 5050);
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::thread::sched_getaffinity(None).expect("affinity"),
            before
        );
    }

    /// Held output comes back byte for byte, across chunk boundaries and in writes of every
    /// size.
    #[test]
    fn held_output_is_written_back_as_it_was_written() {
        use std::io::Write;
        let text: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let mut held = HeldOutput::default();
        let mut at = 0;
        for size in [0, 1, 7, CHUNK - 3, 2 * CHUNK + 5, 100].into_iter().cycle() {
            let end = (at + size).min(text.len());
            held.write_all(&text[at..end]).expect("memory");
            at = end;
            if at == text.len() {
                break;
            }
        }
        let mut out = Vec::new();
        held.write_to(&mut out).expect("memory");
        assert_eq!(out, text);
        assert!(held.chunks.iter().all(|c| c.len() <= CHUNK));
    }

    /// Both halves are worked, in order; a short list is worked whole.
    #[test]
    fn halves_come_back_in_order() {
        let items: Vec<u32> = (0..10).collect();
        let (head, tail) = in_halves(&items, 4, |part| part.to_vec());
        let mut all = head;
        all.extend(tail.into_iter().flatten());
        assert_eq!(all, items);
        let (whole, none) = in_halves(&items, 11, |part| part.len());
        assert_eq!((whole, none), (10, None));
    }
}
