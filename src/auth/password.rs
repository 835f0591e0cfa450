//! Password and secret-token hashing, and the gate that bounds how much argon2 work runs at
//! once.

use super::errors::Weakness;
use crate::error::{ApiError, ApiResult, CommonError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Memory of one argon2 run, in KiB (19 MiB), its passes and lanes: OWASP's first argon2id
/// setting. The memory makes guessing on GPUs costly; two passes keep one hash near 30 ms
/// on one core; one lane because the [`Gate`] already spreads logins over the cores. A
/// stored hash keeps the parameters it was made with, so changing these later only affects
/// new hashes.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

fn argon2() -> Result<Argon2<'static>, argon2::Error> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with argon2id and a random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Whether the password matches the stored hash (false for a malformed hash).
pub fn verify(password: &str, stored: &str) -> bool {
    // The stored hash names its own parameters; argon2() only supplies the algorithm.
    let (Ok(h), Ok(argon2)) = (PasswordHash::new(stored), argon2()) else {
        return false;
    };
    argon2.verify_password(password.as_bytes(), &h).is_ok()
}

/// Requests that may wait for a hashing slot, per core: beyond them an answer comes at once
/// (503), since at ~30 ms a hash a longer queue would only make every caller wait seconds.
const QUEUE_PER_WORKER: usize = 16;

/// Bounds concurrent password and PIN hashing: `workers` threads of its own hash (each
/// holds ~19 MiB while it does), `queue` more requests wait, and the rest are told to come
/// back (503 `service.busy`). Own threads rather than tokio's blocking pool: a pool thread
/// that ends and a new one that starts each keep an allocator arena with a hash's memory in
/// it, and the process grew by hundreds of MiB that way.
pub struct Gate {
    jobs: std::sync::mpsc::Sender<Job>,
    admitted: Arc<AtomicUsize>,
    limit: usize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Decrements a counter when dropped, however the holder ends.
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gate {
    /// A gate for `workers` hashes at once with `queue` waiting; its threads end with it.
    pub fn new(workers: usize, queue: usize) -> Gate {
        return_large_blocks_at_once();
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            let worker = move || {
                loop {
                    let next = rx
                        .lock()
                        .map_err(|_| ())
                        .and_then(|r| r.recv().map_err(|_| ()));
                    match next {
                        Ok(job) => job(),
                        Err(()) => break,
                    }
                }
            };
            if let Err(e) = std::thread::Builder::new()
                .name(format!("kado-hash-{i}"))
                .spawn(worker)
            {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Gate {
            jobs,
            admitted: Arc::default(),
            limit: workers.max(1) + queue,
            running: Arc::default(),
            peak: Arc::default(),
        }
    }

    /// A gate with one worker per core of this machine.
    pub fn for_machine() -> Gate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores, cores * QUEUE_PER_WORKER)
    }

    /// The most hashes that ever ran at once through this gate.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Runs `work` (argon2) on one of the gate's threads once one is free; `service.busy` at
    /// once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let admitted = Held(self.admitted.clone());
        let (running, peak) = (self.running.clone(), self.peak.clone());
        let (done, result) = tokio::sync::oneshot::channel();
        // The counters move into the job: if the client goes away the hash still finishes,
        // and it stays counted until it does.
        let job: Job = Box::new(move || {
            let _admitted = admitted;
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let _running = Held(running);
            // A panic must not take the worker thread with it.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            if let Ok(out) = out {
                let _ = done.send(out);
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        result
            .await
            .map_err(|_| ApiError::from(anyhow::anyhow!("password hashing failed")))
    }
}

/// Makes glibc give every block of 1 MiB or more back to the system when it is freed. By
/// default it raises that threshold to the largest block freed so far, after which each
/// hash's 19 MiB came from a heap that fragmentation kept growing: 200 logins left the
/// process at ~330 MiB instead of ~70.
fn return_large_blocks_at_once() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only sets an allocator parameter; it is called once.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        });
    }
}

/// The answer when the hashing queue is full.
fn busy() -> ApiError {
    ApiError::from(CommonError::Busy).retry_after(1)
}

/// A hash that matches no password, verified against when an account does not exist so that
/// a wrong e-mail takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("no account has this password").unwrap_or_default())
}

/// A fresh random token (256 bits), URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The form a secret token is stored in: its SHA-256, in hex. Tokens are random and long, so
/// a fast hash is enough and lets the database look them up by value.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a new password's strength; returns the reason it is refused.
pub fn weak(password: &str) -> Option<Weakness> {
    let n = password.chars().count();
    if n < 8 {
        Some(Weakness::TooShort)
    } else if n > 200 {
        Some(Weakness::TooLong)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse").unwrap();
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
        assert!(!verify("anything", dummy_hash()));
    }

    #[tokio::test]
    async fn gate_bounds_work_and_turns_away_beyond_the_queue() {
        let gate = Arc::new(Gate::new(1, 1));
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(move || release_rx.recv().unwrap()).await }
        });
        while gate.running.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
        // One waits in the queue...
        let second = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(|| 2).await }
        });
        while gate.admitted.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        // ...and the next is turned away at once.
        let third = gate.run(|| 3).await;
        assert!(matches!(
            third,
            Err(ApiError::Client { status, code: "service.busy", retry_after: Some(_), .. })
                if status == StatusCode::SERVICE_UNAVAILABLE
        ));
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(second.await.unwrap().unwrap(), 2);
        assert_eq!(gate.peak(), 1);
        assert_eq!(gate.run(|| 4).await.unwrap(), 4, "room again");
    }

    #[test]
    fn hashes_carry_the_chosen_parameters() {
        let h = hash("x").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(weak("short").is_some());
        assert!(weak("long enough").is_none());
        assert!(weak(&"x".repeat(201)).is_some());
    }
}
