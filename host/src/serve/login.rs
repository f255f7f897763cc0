//! The sign-in gate of `certhost serve`: every password check of the token route goes
//! through one [`LoginGate`], which bounds what checks cost and throttles guessing.
//!
//! - **A bounded hashing pool.** At most `hashing_workers` Argon2 checks run at once (on
//!   blocking threads); a check waits at most `queue_deadline` for a worker, else it is
//!   refused as [`LoginRefusal::Busy`]. Each worker reuses one Argon2 memory buffer, so
//!   the memory of sign-ins is bounded by workers × the hash's memory (19 MiB with the
//!   default parameters), however many requests arrive. A stored hash that asks for more
//!   than `max_hash_memory` is not computed: the sign-in fails and the log says why.
//! - **Equal work for unknown names.** A user name without an account is checked
//!   against a dummy hash with the default parameters, and always fails.
//! - **A throttle that parallel requests cannot bypass.** Failures are counted per
//!   source address (an IPv6 address counts as its /64), per (account, source) and per
//!   account. The checks of one source take turns, and each waits its delay (100 ms after
//!   one failure, doubling up to 5 s) while holding its turn: ten parallel guesses take
//!   as long as ten guesses in a row. The per-account count (failures from addresses
//!   the account has not signed in from) throttles guessing spread over many addresses;
//!   it applies only to such addresses, and their checks take turns per account too.
//! - **A success helps only its own source.** It clears that (account, source) count,
//!   removes those failures from the source's count, and makes the source known-good for
//!   the account for `known_good_for` (14 days). It never clears the account's count: an
//!   attacker gains nothing when the real user signs in, and the real user, signing in
//!   from a known-good address, is not slowed by an attack from elsewhere.
//!
//! Counts are forgotten after `forget_after` (15 minutes) without a failure, and each
//! table holds at most `max_entries` entries (the oldest go first). User names are
//! compared without ASCII case and kept only as SHA-256 digests, so neither a long name
//! nor many names can make the tables large.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How the gate bounds sign-ins. `LoginLimits::default()` is what the server uses.
#[derive(Clone, Debug)]
pub struct LoginLimits {
    /// Password checks that run at once (default: the CPUs, at most 4).
    pub hashing_workers: usize,
    /// Longest wait for a hashing worker before [`LoginRefusal::Busy`] (5 s).
    pub queue_deadline: Duration,
    /// Longest wait for a turn (behind other checks of the same source or account)
    /// before [`LoginRefusal::Throttled`] (30 s).
    pub turn_deadline: Duration,
    /// Delay after one failure (100 ms); it doubles with each further failure.
    pub first_delay: Duration,
    /// Longest delay (5 s).
    pub max_delay: Duration,
    /// Failures are forgotten after this long without another (15 minutes).
    pub forget_after: Duration,
    /// How long a successful sign-in makes its address known-good for the account.
    pub known_good_for: Duration,
    /// Most entries of each throttle table (10,000); the oldest are dropped first.
    pub max_entries: usize,
    /// Most memory one hash may use, in bytes (64 MiB).
    pub max_hash_memory: usize,
    /// Parameters of the dummy hash checked for unknown user names (Argon2's defaults,
    /// those of every hash `New-ApiAccount` writes).
    pub dummy_params: Params,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            hashing_workers: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(4),
            queue_deadline: Duration::from_secs(5),
            turn_deadline: Duration::from_secs(30),
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            forget_after: Duration::from_secs(15 * 60),
            known_good_for: Duration::from_secs(14 * 24 * 3600),
            max_entries: 10_000,
            max_hash_memory: 64 * 1024 * 1024,
            dummy_params: Params::default(),
        }
    }
}

/// Why a sign-in was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Unknown user name or wrong password (401).
    WrongCredentials,
    /// Every hashing worker stayed busy for `queue_deadline` (503 with Retry-After).
    Busy { retry_after: Duration },
    /// Too many checks of the same source or account are waiting (429 with Retry-After).
    Throttled { retry_after: Duration },
}

/// What the gate has done (for tests and diagnostics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginStats {
    /// Argon2 computations run.
    pub hashes: u64,
    /// Most computations that ever ran at once.
    pub most_at_once: usize,
}

/// An account, by the SHA-256 of its ASCII-lower-cased name.
type Account = [u8; 32];

fn account_key(user: &str) -> Account {
    Sha256::digest(user.to_ascii_lowercase().as_bytes()).into()
}

/// The address failures are counted for: IPv4 as is (an IPv4-mapped IPv6 address as
/// its IPv4 address), IPv6 by its /64, the least a client usually has.
fn source_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
        },
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The tables stay usable even if a thread panicked holding the lock.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The failure counts and known-good addresses.
#[derive(Default)]
struct Throttle {
    sources: HashMap<IpAddr, Failures>,
    pairs: HashMap<(Account, IpAddr), Failures>,
    accounts: HashMap<Account, Failures>,
    /// When each (account, source) last signed in.
    known_good: HashMap<(Account, IpAddr), Instant>,
}

/// The failures of `key` not yet forgotten.
fn current<K: Eq + Hash>(
    map: &HashMap<K, Failures>,
    key: &K,
    now: Instant,
    forget: Duration,
) -> u32 {
    map.get(key)
        .filter(|f| now.saturating_duration_since(f.last) < forget)
        .map_or(0, |f| f.count)
}

/// Makes room for one more entry: drops entries older than `keep_for`, then the oldest
/// until the map is below `cap`.
fn make_room<K: Eq + Hash + Clone, V>(
    map: &mut HashMap<K, V>,
    cap: usize,
    keep_for: Duration,
    now: Instant,
    stamp: impl Fn(&V) -> Instant,
) {
    if map.len() < cap {
        return;
    }
    map.retain(|_, v| now.saturating_duration_since(stamp(&*v)) < keep_for);
    while map.len() >= cap.max(1) {
        let Some(oldest) = map
            .iter()
            .min_by_key(|&(_, v)| stamp(v))
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
}

fn add_failure<K: Eq + Hash + Clone>(
    map: &mut HashMap<K, Failures>,
    key: K,
    now: Instant,
    limits: &LoginLimits,
) {
    if !map.contains_key(&key) {
        make_room(map, limits.max_entries, limits.forget_after, now, |f| {
            f.last
        });
    }
    let entry = map.entry(key).or_insert(Failures {
        count: 0,
        last: now,
    });
    if now.saturating_duration_since(entry.last) >= limits.forget_after {
        entry.count = 0;
    }
    entry.count = entry.count.saturating_add(1);
    entry.last = now;
}

/// The delay after `failures` failures: none, then `first_delay` doubling to `max_delay`.
fn delay_after(failures: u32, limits: &LoginLimits) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(24));
    limits
        .first_delay
        .saturating_mul(factor)
        .min(limits.max_delay)
}

impl Throttle {
    fn is_known_good(
        &self,
        account: &Account,
        source: IpAddr,
        now: Instant,
        limits: &LoginLimits,
    ) -> bool {
        self.known_good
            .get(&(*account, source))
            .is_some_and(|t| now.saturating_duration_since(*t) < limits.known_good_for)
    }

    fn delay(
        &self,
        account: &Account,
        source: IpAddr,
        known_good: bool,
        now: Instant,
        limits: &LoginLimits,
    ) -> Duration {
        let forget = limits.forget_after;
        let mut failures = current(&self.sources, &source, now, forget).max(current(
            &self.pairs,
            &(*account, source),
            now,
            forget,
        ));
        if !known_good {
            failures = failures.max(current(&self.accounts, account, now, forget));
        }
        delay_after(failures, limits)
    }

    fn failed(
        &mut self,
        account: Account,
        source: IpAddr,
        known_good: bool,
        now: Instant,
        limits: &LoginLimits,
    ) {
        add_failure(&mut self.sources, source, now, limits);
        add_failure(&mut self.pairs, (account, source), now, limits);
        // A known-good address mistyping is not an attack on the account from elsewhere.
        if !known_good {
            add_failure(&mut self.accounts, account, now, limits);
        }
    }

    fn succeeded(&mut self, account: Account, source: IpAddr, now: Instant, limits: &LoginLimits) {
        let forget = limits.forget_after;
        let mistyped = self
            .pairs
            .remove(&(account, source))
            .filter(|f| now.saturating_duration_since(f.last) < forget)
            .map_or(0, |f| f.count);
        // Only this account's failures leave the source's count: signing in to an
        // account of one's own does not clear guesses at other accounts.
        let emptied = match self.sources.get_mut(&source) {
            Some(f) => {
                f.count = f.count.saturating_sub(mistyped);
                f.count == 0
            }
            None => false,
        };
        if emptied {
            self.sources.remove(&source);
        }
        if !self.known_good.contains_key(&(account, source)) {
            make_room(
                &mut self.known_good,
                limits.max_entries,
                limits.known_good_for,
                now,
                |t| *t,
            );
        }
        self.known_good.insert((account, source), now);
    }
}

/// What takes turns: the checks of one source, and those of one account from
/// addresses not known-good for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TurnKey {
    Source(IpAddr),
    Account(Account),
}

type Turns = Arc<Mutex<HashMap<TurnKey, Arc<tokio::sync::Mutex<()>>>>>;

/// Sweep the turn table of unused entries when it is this large.
const TURN_SWEEP_AT: usize = 1024;

/// A held turn; dropping it lets the next check of the same key go, and removes the
/// key's entry when nobody else waits for it.
struct Turn {
    key: TurnKey,
    table: Turns,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut table = lock(&self.table);
        drop(self.guard.take());
        if table
            .get(&self.key)
            .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            table.remove(&self.key);
        }
    }
}

/// The hashing workers: permits, their reusable memory, and counters.
struct Pool {
    permits: Arc<Semaphore>,
    buffers: Mutex<Vec<Vec<Block>>>,
    hashes: AtomicU64,
    running: AtomicUsize,
    most_running: AtomicUsize,
}

impl Pool {
    /// One check on a blocking thread, holding `_permit` and one memory buffer.
    fn run(
        &self,
        _permit: OwnedSemaphorePermit,
        phc: &str,
        password: &[u8],
        max_blocks: usize,
    ) -> Result<bool, String> {
        let mut memory = lock(&self.buffers).pop().unwrap_or_default();
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_running.fetch_max(running, Ordering::SeqCst);
        let outcome = verify_phc(phc, password, &mut memory, max_blocks, &self.hashes);
        self.running.fetch_sub(1, Ordering::SeqCst);
        // Nothing derived from a password stays in memory between checks, and the
        // pages go back to the operating system until the next check writes them.
        wipe_and_release(&mut memory);
        lock(&self.buffers).push(memory);
        outcome
    }
}

/// Wipes `memory` and returns its pages to the operating system: the whole pages inside
/// it with `madvise(MADV_DONTNEED)` (private anonymous pages then read as zeros and take
/// no memory until written again), the blocks at its unaligned edges by writing zeros.
/// Where madvise fails, every block is written with zeros.
fn wipe_and_release(memory: &mut [Block]) {
    // SAFETY: sysconf only reads a system constant.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let start = memory.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(memory);
    let (first, last) = (start.next_multiple_of(page), end / page * page);
    let released = last > first
        // SAFETY: [first, last) lies inside `memory`, borrowed mutably here; after
        // MADV_DONTNEED these private anonymous pages read as zeros, a valid value of
        // Block (plain 64-bit words).
        && unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_DONTNEED) }
            == 0;
    if !released {
        memory.fill(Block::default());
        return;
    }
    // Blocks wholly inside the released pages are zero; the ones across an edge are not.
    let first_whole = (first - start).div_ceil(Block::SIZE);
    let past_whole = (last - start) / Block::SIZE;
    let blocks = memory.len();
    memory[..first_whole.min(blocks)].fill(Block::default());
    memory[past_whole.max(first_whole).min(blocks)..].fill(Block::default());
}

/// Whether `password` matches the PHC string `phc`, computed in `memory` (grown to the
/// hash's size, never beyond `max_blocks`). `Err` says why the hash cannot be checked.
fn verify_phc(
    phc: &str,
    password: &[u8],
    memory: &mut Vec<Block>,
    max_blocks: usize,
    hashes: &AtomicU64,
) -> Result<bool, String> {
    let hash = PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    let algorithm = Algorithm::new(hash.algorithm.as_str())
        .map_err(|e| format!("algorithm '{}': {e}", hash.algorithm.as_str()))?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).map_err(|e| format!("version {v}: {e}"))?,
        None => Version::default(),
    };
    let params = Params::try_from(&hash).map_err(|e| format!("parameters: {e}"))?;
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err("the hash has no salt or no output".into());
    };
    let blocks = params.block_count();
    if blocks > max_blocks {
        return Err(format!(
            "it needs {} MiB of memory, more than the {} MiB a sign-in may use",
            blocks / 1024,
            max_blocks / 1024
        ));
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let expected = expected.as_bytes();
    let mut computed = vec![0u8; expected.len()];
    hashes.fetch_add(1, Ordering::SeqCst);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut computed, &mut memory[..])
        .map_err(|e| format!("hashing failed: {e}"))?;
    Ok(same_bytes(&computed, expected))
}

/// Compares in time that depends on the length only.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// A PHC string with `params`, a random salt and a random output: checking any password
/// against it costs what a real check costs, and never matches.
fn dummy_phc(params: &Params) -> String {
    let mut salt = [0u8; 16];
    let mut output = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    // A failing random source only makes the dummy predictable; it is never accepted.
    let _ = getrandom::fill(&mut salt);
    let _ = getrandom::fill(&mut output);
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        b64.encode(salt),
        b64.encode(&output)
    )
}

/// Every password check of one server process.
pub struct LoginGate {
    limits: LoginLimits,
    dummy_phc: String,
    throttle: Mutex<Throttle>,
    turns: Turns,
    pool: Arc<Pool>,
}

impl Default for LoginGate {
    fn default() -> Self {
        LoginGate::new(LoginLimits::default())
    }
}

impl LoginGate {
    pub fn new(limits: LoginLimits) -> Self {
        let workers = limits.hashing_workers.max(1);
        LoginGate {
            dummy_phc: dummy_phc(&limits.dummy_params),
            throttle: Mutex::default(),
            turns: Arc::default(),
            pool: Arc::new(Pool {
                permits: Arc::new(Semaphore::new(workers)),
                buffers: Mutex::new(Vec::with_capacity(workers)),
                hashes: AtomicU64::new(0),
                running: AtomicUsize::new(0),
                most_running: AtomicUsize::new(0),
            }),
            limits,
        }
    }

    /// One password check for `user` from `source`, against its stored PHC string
    /// (`None`: no such account; the same work is done and the check fails).
    pub async fn check(
        &self,
        user: &str,
        source: IpAddr,
        stored_phc: Option<String>,
        password: String,
    ) -> Result<(), LoginRefusal> {
        let account = account_key(user);
        let source = source_key(source);
        let (_turns, known_good) = self.wait_turn(account, source).await?;
        let matched = self.verify(stored_phc, password).await?;
        let now = Instant::now();
        let mut throttle = lock(&self.throttle);
        if matched {
            throttle.succeeded(account, source, now, &self.limits);
            Ok(())
        } else {
            throttle.failed(account, source, known_good, now, &self.limits);
            Err(LoginRefusal::WrongCredentials)
        }
    }

    /// A password check made elsewhere (the appliance exchange's OPAQUE proof) takes
    /// its turn and delay like a sign-in, and counts as a failure until
    /// [`LoginGate::record_success`] says it succeeded: an attempt that never finishes
    /// still cost a guess.
    pub async fn throttle_attempt(&self, user: &str, source: IpAddr) -> Result<(), LoginRefusal> {
        let account = account_key(user);
        let source = source_key(source);
        let (_turns, known_good) = self.wait_turn(account, source).await?;
        lock(&self.throttle).failed(account, source, known_good, Instant::now(), &self.limits);
        Ok(())
    }

    /// The attempt [`LoginGate::throttle_attempt`] counted succeeded.
    pub fn record_success(&self, user: &str, source: IpAddr) {
        lock(&self.throttle).succeeded(
            account_key(user),
            source_key(source),
            Instant::now(),
            &self.limits,
        );
    }

    /// The delay the next check of `user` from `source` would wait once it has its turn.
    pub fn next_delay(&self, user: &str, source: IpAddr) -> Duration {
        let account = account_key(user);
        let source = source_key(source);
        let now = Instant::now();
        let throttle = lock(&self.throttle);
        let known_good = throttle.is_known_good(&account, source, now, &self.limits);
        throttle.delay(&account, source, known_good, now, &self.limits)
    }

    /// What the gate has done so far.
    pub fn stats(&self) -> LoginStats {
        LoginStats {
            hashes: self.pool.hashes.load(Ordering::SeqCst),
            most_at_once: self.pool.most_running.load(Ordering::SeqCst),
        }
    }

    /// Waits for the turns of `source` (and of `account` unless the source is known to
    /// sign in to it), then for the throttle's delay: the turns, held until the check
    /// is done, and whether the source is known good.
    async fn wait_turn(
        &self,
        account: Account,
        source: IpAddr,
    ) -> Result<((Turn, Option<Turn>), bool), LoginRefusal> {
        let throttled = LoginRefusal::Throttled {
            retry_after: self.limits.max_delay.max(Duration::from_secs(1)),
        };
        let deadline = Instant::now() + self.limits.turn_deadline;
        let source_turn =
            tokio::time::timeout_at(deadline, self.take_turn(TurnKey::Source(source)))
                .await
                .map_err(|_| throttled)?;
        let known_good =
            lock(&self.throttle).is_known_good(&account, source, Instant::now(), &self.limits);
        let account_turn = if known_good {
            None
        } else {
            let turn = tokio::time::timeout_at(deadline, self.take_turn(TurnKey::Account(account)))
                .await
                .map_err(|_| throttled)?;
            Some(turn)
        };
        let delay =
            lock(&self.throttle).delay(&account, source, known_good, Instant::now(), &self.limits);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(((source_turn, account_turn), known_good))
    }

    /// Waits for the turn of `key`.
    async fn take_turn(&self, key: TurnKey) -> Turn {
        let mutex = {
            let mut table = lock(&self.turns);
            if table.len() >= TURN_SWEEP_AT {
                // Entries left by checks cancelled while waiting.
                table.retain(|_, m| Arc::strong_count(m) > 1);
            }
            table.entry(key).or_default().clone()
        };
        // Made before waiting, so a cancelled wait still tidies the table.
        let mut turn = Turn {
            key,
            table: self.turns.clone(),
            guard: None,
        };
        turn.guard = Some(mutex.lock_owned().await);
        turn
    }

    /// Runs the hash on a worker: `Ok(true)` only for a real account's matching password.
    async fn verify(
        &self,
        stored_phc: Option<String>,
        password: String,
    ) -> Result<bool, LoginRefusal> {
        let known = stored_phc.is_some();
        let phc = stored_phc.unwrap_or_else(|| self.dummy_phc.clone());
        let permit = match tokio::time::timeout(
            self.limits.queue_deadline,
            self.pool.permits.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(LoginRefusal::Busy {
                    retry_after: self.limits.queue_deadline.max(Duration::from_secs(1)),
                });
            }
        };
        let pool = self.pool.clone();
        let max_blocks = self.limits.max_hash_memory / Block::SIZE;
        let outcome = tokio::task::spawn_blocking(move || {
            pool.run(permit, &phc, password.as_bytes(), max_blocks)
        })
        .await;
        match outcome {
            Ok(Ok(matched)) => Ok(matched && known),
            Ok(Err(problem)) => {
                super::log(&format!(
                    "a stored password hash cannot be checked: {problem}"
                ));
                Ok(false)
            }
            Err(e) => {
                super::log(&format!("a password check stopped: {e}"));
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;
    use std::time::Instant as Clock;

    const RIGHT: &str = "correct horse battery";

    /// Cheap Argon2 parameters, so tests hash quickly.
    fn cheap() -> Params {
        Params::new(64, 1, 1, None).unwrap()
    }

    fn stored(params: Params) -> String {
        Argon2::from(params)
            .hash_password(RIGHT.as_bytes())
            .unwrap()
            .to_string()
    }

    fn limits() -> LoginLimits {
        LoginLimits {
            hashing_workers: 2,
            queue_deadline: Duration::from_secs(5),
            turn_deadline: Duration::from_secs(30),
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(80),
            dummy_params: cheap(),
            ..LoginLimits::default()
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    async fn guess(
        gate: &LoginGate,
        user: &str,
        from: &str,
        password: &str,
    ) -> Result<(), LoginRefusal> {
        gate.check(user, ip(from), Some(stored(cheap())), password.into())
            .await
    }

    #[tokio::test]
    async fn argon2_hashes_verify_with_reused_memory() {
        let gate = LoginGate::new(limits());
        assert_eq!(guess(&gate, "admin", "192.0.2.1", RIGHT).await, Ok(()));
        assert_eq!(
            guess(&gate, "admin", "192.0.2.1", "wrong horse").await,
            Err(LoginRefusal::WrongCredentials)
        );
        assert_eq!(guess(&gate, "ADMIN", "192.0.2.1", RIGHT).await, Ok(()));
        assert_eq!(gate.stats().hashes, 3);
        // The memory is kept for the next check, wiped.
        let buffers = lock(&gate.pool.buffers);
        assert!(!buffers.is_empty() && buffers.len() <= 2);
        assert!(buffers.iter().flatten().all(|b| {
            let words: &[u64] = b.as_ref();
            words.iter().all(|w| *w == 0)
        }));
    }

    #[test]
    fn released_memory_reads_as_zeros_and_its_edges_are_wiped() {
        // Odd lengths and offsets: the edges are not page-aligned.
        for blocks in [1usize, 3, 5, 37, 1000] {
            let mut memory = vec![Block::default(); blocks];
            for block in memory.iter_mut() {
                let words: &mut [u64] = block.as_mut();
                words.fill(0x5a5a_5a5a_5a5a_5a5a);
            }
            wipe_and_release(&mut memory[..]);
            assert!(
                memory.iter().all(|b| {
                    let words: &[u64] = b.as_ref();
                    words.iter().all(|w| *w == 0)
                }),
                "{blocks} blocks"
            );
            let (head, tail) = memory.split_at_mut(blocks / 2);
            wipe_and_release(tail);
            wipe_and_release(head);
        }
    }

    #[test]
    fn the_hashes_new_api_account_writes_verify() {
        let phc = super::super::auth::hash_password(RIGHT).unwrap();
        let hashes = AtomicU64::new(0);
        let mut memory = Vec::new();
        let max = LoginLimits::default().max_hash_memory / Block::SIZE;
        assert_eq!(
            verify_phc(&phc, RIGHT.as_bytes(), &mut memory, max, &hashes),
            Ok(true)
        );
        assert_eq!(
            verify_phc(&phc, b"wrong horse", &mut memory, max, &hashes),
            Ok(false)
        );
        assert_eq!(memory.len(), Params::DEFAULT_M_COST as usize);
    }

    #[test]
    fn the_dummy_hash_has_the_default_parameters_and_never_matches() {
        let gate = LoginGate::new(LoginLimits::default());
        let hash = PasswordHash::new(&gate.dummy_phc).unwrap();
        assert_eq!(
            Params::try_from(&hash).unwrap().m_cost(),
            Params::DEFAULT_M_COST
        );
        assert_eq!(
            Params::try_from(&hash).unwrap().t_cost(),
            Params::DEFAULT_T_COST
        );
        let cheap_dummy = dummy_phc(&cheap());
        let hashes = AtomicU64::new(0);
        let mut memory = Vec::new();
        assert_eq!(
            verify_phc(&cheap_dummy, b"", &mut memory, 1 << 20, &hashes),
            Ok(false)
        );
        assert_eq!(hashes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unknown_users_cost_one_hash_and_always_fail() {
        let gate = LoginGate::new(limits());
        let refused = gate
            .check("nobody", ip("192.0.2.1"), None, RIGHT.into())
            .await;
        assert_eq!(refused, Err(LoginRefusal::WrongCredentials));
        assert_eq!(gate.stats().hashes, 1);
    }

    #[tokio::test]
    async fn parallel_guesses_from_one_address_wait_their_turn() {
        let limits = limits();
        let gate = Arc::new(LoginGate::new(limits.clone()));
        let started = Clock::now();
        let guesses: Vec<_> = (0..10)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move { guess(&gate, "admin", "203.0.113.7", "guess").await })
            })
            .collect();
        for g in guesses {
            assert_eq!(g.await.unwrap(), Err(LoginRefusal::WrongCredentials));
        }
        let least: Duration = (0..10).map(|n| delay_after(n, &limits)).sum();
        // 0 + 5 + 10 + 20 + 40 + 80 × 5 ms
        assert_eq!(least, Duration::from_millis(475));
        assert!(started.elapsed() >= least, "{:?}", started.elapsed());
        assert_eq!(
            gate.next_delay("admin", ip("203.0.113.7")),
            limits.max_delay
        );
    }

    #[tokio::test]
    async fn exchange_attempts_share_the_sign_in_throttle() {
        let gate = LoginGate::new(limits());
        // Three exchanges that never finish cost what three wrong passwords cost ...
        for _ in 0..3 {
            gate.throttle_attempt("admin", ip("203.0.113.7"))
                .await
                .unwrap();
        }
        assert_eq!(
            gate.next_delay("admin", ip("203.0.113.7")),
            Duration::from_millis(20)
        );
        // ... and delay a sign-in through the token route from that address.
        assert_eq!(
            guess(&gate, "admin", "203.0.113.7", "guess").await,
            Err(LoginRefusal::WrongCredentials)
        );
        assert_eq!(
            gate.next_delay("admin", ip("203.0.113.7")),
            Duration::from_millis(40)
        );
        // A finished exchange clears its own address, as a sign-in does.
        gate.throttle_attempt("admin", ip("198.51.100.2"))
            .await
            .unwrap();
        gate.record_success("admin", ip("198.51.100.2"));
        assert_eq!(gate.next_delay("admin", ip("198.51.100.2")), Duration::ZERO);
        // ... and never the attacker's (whose delay the new address's attempt, counted
        // against the account until it finished, raised to the limit).
        assert_eq!(
            gate.next_delay("admin", ip("203.0.113.7")),
            Duration::from_millis(80)
        );
    }

    #[tokio::test]
    async fn a_success_elsewhere_does_not_reset_the_attackers_delay() {
        let gate = LoginGate::new(limits());
        for _ in 0..3 {
            assert_eq!(
                guess(&gate, "admin", "203.0.113.7", "guess").await,
                Err(LoginRefusal::WrongCredentials)
            );
        }
        let attacker = gate.next_delay("admin", ip("203.0.113.7"));
        assert_eq!(attacker, Duration::from_millis(20));
        assert_eq!(guess(&gate, "Admin", "198.51.100.2", RIGHT).await, Ok(()));
        assert_eq!(gate.next_delay("admin", ip("203.0.113.7")), attacker);
        // A new address still feels the attack on the account; the admin's does not.
        assert_eq!(gate.next_delay("admin", ip("192.0.2.99")), attacker);
        assert_eq!(gate.next_delay("admin", ip("198.51.100.2")), Duration::ZERO);
    }

    #[tokio::test]
    async fn the_admin_from_a_known_good_address_is_not_delayed_by_an_attack() {
        let gate = Arc::new(LoginGate::new(limits()));
        assert_eq!(guess(&gate, "admin", "198.51.100.2", RIGHT).await, Ok(()));
        for _ in 0..6 {
            assert_eq!(
                guess(&gate, "admin", "203.0.113.7", "guess").await,
                Err(LoginRefusal::WrongCredentials)
            );
        }
        assert_eq!(gate.next_delay("admin", ip("198.51.100.2")), Duration::ZERO);
        // It does not queue behind the attacker's checks of the account either: hold the
        // account's turn as a waiting attack would, and the admin still gets in.
        let _attack = gate.take_turn(TurnKey::Account(account_key("admin"))).await;
        assert_eq!(guess(&gate, "admin", "198.51.100.2", RIGHT).await, Ok(()));
    }

    #[tokio::test]
    async fn signing_in_to_ones_own_account_does_not_clear_guesses_at_others() {
        let gate = LoginGate::new(limits());
        for user in ["alice", "bob", "carol"] {
            assert_eq!(
                gate.check(user, ip("203.0.113.7"), None, "guess".into())
                    .await,
                Err(LoginRefusal::WrongCredentials)
            );
        }
        let before = gate.next_delay("dave", ip("203.0.113.7"));
        assert_eq!(before, Duration::from_millis(20));
        assert_eq!(guess(&gate, "mallory", "203.0.113.7", RIGHT).await, Ok(()));
        assert_eq!(gate.next_delay("dave", ip("203.0.113.7")), before);
        // Mistypes of one's own account do leave the count with the success.
        assert_eq!(
            guess(&gate, "erin", "192.0.2.5", "typo").await,
            Err(LoginRefusal::WrongCredentials)
        );
        assert_eq!(guess(&gate, "erin", "192.0.2.5", RIGHT).await, Ok(()));
        assert_eq!(gate.next_delay("erin", ip("192.0.2.5")), Duration::ZERO);
        assert_eq!(gate.next_delay("frank", ip("192.0.2.5")), Duration::ZERO);
    }

    #[tokio::test]
    async fn the_pool_never_runs_more_hashes_than_workers() {
        let gate = Arc::new(LoginGate::new(limits()));
        let checks: Vec<_> = (0..12)
            .map(|n| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    let stored = stored(Params::new(512, 2, 1, None).unwrap());
                    gate.check(
                        &format!("user{n}"),
                        ip(&format!("192.0.2.{n}")),
                        Some(stored),
                        RIGHT.into(),
                    )
                    .await
                })
            })
            .collect();
        for c in checks {
            assert_eq!(c.await.unwrap(), Ok(()));
        }
        let stats = gate.stats();
        assert_eq!(stats.hashes, 12);
        assert!((1..=2).contains(&stats.most_at_once), "{stats:?}");
        assert!(lock(&gate.pool.buffers).len() <= 2);
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_queue_deadline() {
        let gate = LoginGate::new(LoginLimits {
            hashing_workers: 1,
            queue_deadline: Duration::from_millis(50),
            ..limits()
        });
        let held = gate.pool.permits.clone().acquire_owned().await.unwrap();
        let started = Clock::now();
        assert_eq!(
            guess(&gate, "admin", "192.0.2.1", RIGHT).await,
            Err(LoginRefusal::Busy {
                retry_after: Duration::from_secs(1)
            })
        );
        assert!(started.elapsed() >= Duration::from_millis(50));
        // Busy is not a failure.
        assert_eq!(gate.next_delay("admin", ip("192.0.2.1")), Duration::ZERO);
        drop(held);
        assert_eq!(guess(&gate, "admin", "192.0.2.1", RIGHT).await, Ok(()));
    }

    #[tokio::test]
    async fn a_long_wait_for_a_turn_is_throttled() {
        let gate = LoginGate::new(LoginLimits {
            turn_deadline: Duration::from_millis(50),
            ..limits()
        });
        let held = gate
            .take_turn(TurnKey::Source(source_key(ip("203.0.113.7"))))
            .await;
        assert!(matches!(
            guess(&gate, "admin", "203.0.113.7", RIGHT).await,
            Err(LoginRefusal::Throttled { .. })
        ));
        assert_eq!(gate.stats().hashes, 0);
        drop(held);
        assert!(lock(&gate.turns).is_empty(), "turns are tidied");
        assert_eq!(guess(&gate, "admin", "203.0.113.7", RIGHT).await, Ok(()));
        assert!(lock(&gate.turns).is_empty());
    }

    #[tokio::test]
    async fn a_hash_asking_for_too_much_memory_is_not_computed() {
        let gate = LoginGate::new(LoginLimits {
            max_hash_memory: 64 * 1024,
            ..limits()
        });
        let greedy = stored(Params::new(256, 1, 1, None).unwrap());
        assert_eq!(
            gate.check("admin", ip("192.0.2.1"), Some(greedy), RIGHT.into())
                .await,
            Err(LoginRefusal::WrongCredentials)
        );
        assert_eq!(gate.stats().hashes, 0);
    }

    #[test]
    fn delays_double_to_the_limit_and_tables_stay_small() {
        let limits = LoginLimits {
            max_entries: 5,
            ..limits()
        };
        let ms = Duration::from_millis;
        let delays: Vec<_> = (0..7).map(|n| delay_after(n, &limits)).collect();
        assert_eq!(
            delays,
            [ms(0), ms(5), ms(10), ms(20), ms(40), ms(80), ms(80)]
        );
        assert_eq!(delay_after(u32::MAX, &limits), ms(80));
        let mut throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..50u8 {
            let source = IpAddr::from([192, 0, 2, n]);
            throttle.failed(account_key(&format!("u{n}")), source, false, now, &limits);
            throttle.succeeded(account_key("x"), source, now, &limits);
        }
        assert!(throttle.sources.len() <= 5);
        assert!(throttle.pairs.len() <= 5);
        assert!(throttle.accounts.len() <= 5);
        assert!(throttle.known_good.len() <= 5);
        // Forgotten after forget_after without failures.
        let later = now + limits.forget_after;
        let source = IpAddr::from([192, 0, 2, 49]);
        assert_eq!(
            throttle.delay(&account_key("u49"), source, false, later, &limits),
            Duration::ZERO
        );
    }

    #[test]
    fn sources_are_addresses_and_ipv6_slash_64s() {
        assert_eq!(source_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(source_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            source_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            source_key(ip("2001:db8:1:2::9"))
        );
        assert_ne!(
            source_key(ip("2001:db8:1:3::1")),
            source_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(account_key("Admin"), account_key("admin"));
    }
}
