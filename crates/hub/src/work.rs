//! One bounded worker facility for long-running work (detection jobs, exports, imports): a
//! fixed number of worker threads and a bounded queue. A full queue refuses new work at once
//! ([`Busy`]) instead of letting it pile up; shutdown is cooperative (queued work is dropped
//! unrun, running work sees [`Stop::requested`] and the caller waits a bounded time).
//!
//! It knows nothing of HTTP: the server maps [`Busy`] to its 503 `busy` answer.
//!
//! ```
//! use hub::work::{WorkConfig, Workers};
//! let pool = Workers::new("example", WorkConfig { workers: 1, queue: 1 });
//! let (tx, rx) = std::sync::mpsc::channel();
//! pool.try_submit(move |_stop| tx.send(6 * 7).unwrap()).unwrap();
//! assert_eq!(rx.recv().unwrap(), 42);
//! assert!(pool.shutdown(std::time::Duration::from_secs(5)));
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The size of a worker pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkConfig {
    /// Worker threads (at least one is started).
    pub workers: usize,
    /// Tasks that may wait for a worker; one more is refused with [`Busy`].
    pub queue: usize,
}

/// Refused: every worker is taken and the queue is full, or the pool is shutting down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Whether the refusal is because the pool is shutting down.
    pub closing: bool,
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.closing {
            f.write_str("the hub is shutting down")
        } else {
            f.write_str("every worker is busy and the work queue is full")
        }
    }
}

impl std::error::Error for Busy {}

/// Tells running work the pool is shutting down; long work checks it and ends early.
#[derive(Debug, Clone)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Whether the pool asked its work to stop.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

type Task = Box<dyn FnOnce(&Stop) + Send + 'static>;

#[derive(Default)]
struct State {
    queue: VecDeque<Task>,
    running: usize,
    closing: bool,
}

struct Inner {
    name: String,
    config: WorkConfig,
    state: Mutex<State>,
    wake: Condvar,
    stop: Stop,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

/// A fixed pool of worker threads with a bounded queue. Cheap to clone; clones share the pool.
/// Threads start with the first task.
#[derive(Clone)]
pub struct Workers {
    inner: Arc<Inner>,
}

impl fmt::Debug for Workers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workers")
            .field("name", &self.inner.name)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Workers {
    /// A pool named `name` (its threads are `rrm-<name>-<n>`).
    pub fn new(name: &str, config: WorkConfig) -> Workers {
        Workers {
            inner: Arc::new(Inner {
                name: name.to_string(),
                config,
                state: Mutex::new(State::default()),
                wake: Condvar::new(),
                stop: Stop(Arc::new(AtomicBool::new(false))),
                handles: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The pool's size.
    pub fn config(&self) -> WorkConfig {
        self.inner.config
    }

    /// Queues `task` for a worker, or refuses it at once when the queue is full or the pool
    /// is closing. A task that panics ends alone; its worker goes on.
    pub fn try_submit(&self, task: impl FnOnce(&Stop) + Send + 'static) -> Result<(), Busy> {
        {
            let mut st = lock(&self.inner.state);
            if st.closing {
                return Err(Busy { closing: true });
            }
            // Tasks queued while workers are idle are taken at once: they do not count.
            let idle = self.inner.config.workers.max(1).saturating_sub(st.running);
            if st.queue.len() >= self.inner.config.queue + idle {
                return Err(Busy { closing: false });
            }
            st.queue.push_back(Box::new(task));
        }
        self.ensure_threads();
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Tasks waiting for a worker.
    pub fn queued(&self) -> usize {
        lock(&self.inner.state).queue.len()
    }

    /// Tasks being run.
    pub fn running(&self) -> usize {
        lock(&self.inner.state).running
    }

    fn ensure_threads(&self) {
        let mut handles = lock(&self.inner.handles);
        if !handles.is_empty() {
            return;
        }
        for n in 0..self.inner.config.workers.max(1) {
            let inner = self.inner.clone();
            match std::thread::Builder::new()
                .name(format!("rrm-{}-{n}", inner.name))
                .spawn(move || work(&inner))
            {
                Ok(h) => handles.push(h),
                Err(e) => {
                    tracing::error!(error = %e, pool = %self.inner.name, "cannot start a worker")
                }
            }
        }
    }

    /// Starts stopping without waiting: new tasks are refused, queued ones are dropped unrun,
    /// running ones see [`Stop::requested`], idle workers exit.
    pub fn close(&self) {
        let dropped = {
            let mut st = lock(&self.inner.state);
            st.closing = true;
            std::mem::take(&mut st.queue)
        };
        self.inner.stop.0.store(true, Ordering::SeqCst);
        self.inner.wake.notify_all();
        // Dropped outside the lock: a task's captured values may run code when dropped.
        drop(dropped);
    }

    /// [`Workers::close`], then waits up to `wait` for the workers to end; whether all did.
    pub fn shutdown(&self, wait: Duration) -> bool {
        self.close();
        let handles: Vec<JoinHandle<()>> = lock(&self.inner.handles).drain(..).collect();
        let deadline = Instant::now() + wait;
        while handles.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let all = handles.iter().all(JoinHandle::is_finished);
        for h in handles {
            if h.is_finished() {
                let _ = h.join();
            }
        }
        all
    }
}

/// A worker's loop: runs queued tasks until the pool closes.
fn work(inner: &Inner) {
    loop {
        let task = {
            let mut st = lock(&inner.state);
            loop {
                if st.closing {
                    return;
                }
                if let Some(t) = st.queue.pop_front() {
                    st.running += 1;
                    break t;
                }
                st = inner.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        };
        let stop = inner.stop.clone();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || task(&stop))).is_err() {
            tracing::error!(pool = %inner.name, "a task panicked");
        }
        lock(&inner.state).running -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A task that waits for `gate` (or for stop) and reports its number.
    fn gated(
        gate: &Arc<(Mutex<bool>, Condvar)>,
        n: u32,
        done: &mpsc::Sender<u32>,
    ) -> impl FnOnce(&Stop) + Send + 'static {
        let gate = gate.clone();
        let done = done.clone();
        move |stop: &Stop| {
            let (m, c) = &*gate;
            let mut open = lock(m);
            while !*open && !stop.requested() {
                open = c
                    .wait_timeout(open, Duration::from_millis(5))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            let _ = done.send(n);
        }
    }

    fn wait_running(pool: &Workers, n: usize) {
        let t = Instant::now();
        while pool.running() < n {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "workers never took the tasks"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_frees_up_as_work_ends() {
        let pool = Workers::new(
            "t",
            WorkConfig {
                workers: 2,
                queue: 1,
            },
        );
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let (tx, rx) = mpsc::channel();
        pool.try_submit(gated(&gate, 1, &tx)).unwrap();
        pool.try_submit(gated(&gate, 2, &tx)).unwrap();
        wait_running(&pool, 2);
        pool.try_submit(gated(&gate, 3, &tx)).unwrap();
        assert_eq!(pool.queued(), 1);
        let started = Instant::now();
        assert_eq!(
            pool.try_submit(gated(&gate, 4, &tx)),
            Err(Busy { closing: false })
        );
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "refused without waiting"
        );
        *lock(&gate.0) = true;
        gate.1.notify_all();
        let mut got: Vec<u32> = (0..3).map(|_| rx.recv().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3]);
        let t = Instant::now();
        while pool.running() > 0 {
            assert!(t.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(2));
        }
        pool.try_submit(gated(&gate, 5, &tx)).unwrap();
        assert_eq!(rx.recv().unwrap(), 5);
        assert!(pool.shutdown(Duration::from_secs(5)));
    }

    #[test]
    fn shutdown_stops_running_work_drops_queued_work_and_refuses_more() {
        let pool = Workers::new(
            "t",
            WorkConfig {
                workers: 1,
                queue: 4,
            },
        );
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let (tx, rx) = mpsc::channel();
        pool.try_submit(gated(&gate, 1, &tx)).unwrap();
        wait_running(&pool, 1);
        let (qtx, qrx) = mpsc::channel::<u32>();
        pool.try_submit(move |_| {
            let _ = qtx.send(2);
        })
        .unwrap();
        assert!(
            pool.shutdown(Duration::from_secs(5)),
            "the running task saw the stop"
        );
        assert_eq!(rx.recv().unwrap(), 1);
        assert!(qrx.recv().is_err(), "the queued task was dropped unrun");
        assert_eq!(pool.try_submit(|_| {}), Err(Busy { closing: true }));
    }

    #[test]
    fn a_panicking_task_leaves_its_worker_running() {
        let pool = Workers::new(
            "t",
            WorkConfig {
                workers: 1,
                queue: 2,
            },
        );
        pool.try_submit(|_| panic!("boom")).unwrap();
        let (tx, rx) = mpsc::channel();
        pool.try_submit(move |_| tx.send(1).unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
        assert!(pool.shutdown(Duration::from_secs(5)));
    }
}
