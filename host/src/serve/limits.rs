//! How much of the server one client, or all of them, may hold: the number of open
//! connections in all and per source address, and how long a connection may take to
//! finish its handshake, send a request's headers (or sit idle between requests) and
//! complete a request. A refused connection is closed at once; the log says so at
//! most once per [`REFUSAL_LOG_INTERVAL`], with the count, never once per connection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most one "connections refused" log line per this interval.
pub const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);
/// File descriptors kept free for the database, listeners and the log.
const RESERVED_DESCRIPTORS: u64 = 64;

/// The limits `certhost serve` applies to connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections from one source address.
    pub max_per_address: usize,
    /// From accepting a connection to the end of its TLS handshake.
    pub handshake_timeout: Duration,
    /// To send a request's headers, counted from the handshake or the previous
    /// response: closes slow-header clients and idle kept-alive connections alike.
    pub header_timeout: Duration,
    /// To read a request's body and answer it.
    pub request_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 4096,
            max_per_address: 256,
            handshake_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl ConnectionLimits {
    /// Lowers `max_connections` to what the process's open-file limit allows (after
    /// raising the soft limit to the hard one), returning a note when it had to.
    pub fn fit_to_open_file_limit(&mut self) -> Option<String> {
        let available = raise_open_file_limit()?;
        let fits = usize::try_from(available.saturating_sub(RESERVED_DESCRIPTORS)).ok()?;
        (fits < self.max_connections).then(|| {
            let asked = self.max_connections;
            self.max_connections = fits.max(1);
            format!(
                "the open-file limit is {available}: serving at most {} connections instead of {asked} (raise LimitNOFILE in the unit, or ulimit -n)",
                self.max_connections
            )
        })
    }
}

/// Raises the soft open-file limit to the hard one; the resulting soft limit.
fn raise_open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed in.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` are open.
    AllBusy,
    /// `max_per_address` connections from this address are open.
    AddressBusy,
}

#[derive(Default)]
struct Counts {
    open: usize,
    by_address: HashMap<IpAddr, usize>,
    refused_all: u64,
    refused_address: u64,
    busiest: Option<IpAddr>,
    last_report: Option<Instant>,
}

/// Counts open connections and admits new ones within the limits.
pub struct Admission {
    limits: ConnectionLimits,
    counts: Mutex<Counts>,
}

/// An admitted connection; dropping it frees its place.
pub struct Admitted {
    admission: Arc<Admission>,
    address: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.admission.counts();
        counts.open = counts.open.saturating_sub(1);
        if let Some(n) = counts.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                counts.by_address.remove(&self.address);
            }
        }
    }
}

impl Admission {
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Admission {
            limits,
            counts: Mutex::default(),
        })
    }

    pub fn limits(&self) -> &ConnectionLimits {
        &self.limits
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // Plain counters: a panic elsewhere leaves them usable.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `address`, or says why not. Refusals are counted for
    /// [`Admission::refusal_report`].
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Admitted, Refusal> {
        let address = canonical(address);
        let mut counts = self.counts();
        let refusal = if counts.open >= self.limits.max_connections {
            counts.refused_all += 1;
            Some(Refusal::AllBusy)
        } else if counts.by_address.get(&address).copied().unwrap_or(0)
            >= self.limits.max_per_address
        {
            counts.refused_address += 1;
            counts.busiest = Some(address);
            Some(Refusal::AddressBusy)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        counts.open += 1;
        *counts.by_address.entry(address).or_insert(0) += 1;
        Ok(Admitted {
            admission: self.clone(),
            address,
        })
    }

    /// The open connections in all.
    pub fn open(&self) -> usize {
        self.counts().open
    }

    /// A log line about the connections refused since the last one, when there were
    /// some and the last line is at least [`REFUSAL_LOG_INTERVAL`] old.
    pub fn refusal_report(&self, now: Instant) -> Option<String> {
        let mut counts = self.counts();
        if counts.refused_all + counts.refused_address == 0
            || counts
                .last_report
                .is_some_and(|t| now.duration_since(t) < REFUSAL_LOG_INTERVAL)
        {
            return None;
        }
        let mut parts = Vec::new();
        if counts.refused_all > 0 {
            parts.push(format!(
                "{} because {} connections were open (--max-connections)",
                counts.refused_all, self.limits.max_connections
            ));
        }
        if counts.refused_address > 0 {
            parts.push(format!(
                "{} because one address had {} open (--max-connections-per-address; most recently {})",
                counts.refused_address,
                self.limits.max_per_address,
                counts
                    .busiest
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "unknown".into())
            ));
        }
        counts.refused_all = 0;
        counts.refused_address = 0;
        counts.last_report = Some(now);
        Some(format!("refused connections: {}", parts.join("; ")))
    }
}

/// Counts events that an attacker can repeat at will (refused sign-ins), so that they
/// reach the log as one line per [`REFUSAL_LOG_INTERVAL`] with a count, not one each.
#[derive(Default)]
pub struct LogTally {
    state: Mutex<(u64, Option<Instant>)>,
}

impl LogTally {
    /// Counts one event; when a line is due (the first event, or the first after the
    /// interval), the number of events it reports.
    pub fn count(&self, now: Instant) -> Option<u64> {
        // A counter and a time: a panic elsewhere leaves them usable.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 += 1;
        if state
            .1
            .is_some_and(|last| now.duration_since(last) < REFUSAL_LOG_INTERVAL)
        {
            return None;
        }
        let events = state.0;
        *state = (0, Some(now));
        Some(events)
    }

    /// The events counted since the last line, when there are some and a line is due
    /// (called periodically, so the last burst is reported too).
    pub fn flush(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let due = state
            .1
            .is_none_or(|last| now.duration_since(last) >= REFUSAL_LOG_INTERVAL);
        if state.0 == 0 || !due {
            return None;
        }
        let events = state.0;
        *state = (0, Some(now));
        Some(events)
    }
}

/// An IPv4 client seen on an IPv6 socket counts as its IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(all: usize, per_address: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: all,
            max_per_address: per_address,
            ..ConnectionLimits::default()
        }
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let admission = Admission::new(limits(10, 2));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = admission.admit(a).unwrap();
        let _second = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).err(), Some(Refusal::AddressBusy));
        // The same client over IPv6-mapped IPv4 is the same address.
        assert_eq!(
            admission.admit("::ffff:192.0.2.1".parse().unwrap()).err(),
            Some(Refusal::AddressBusy)
        );
        let _other = admission.admit(b).unwrap();
        drop(first);
        assert!(
            admission.admit(a).is_ok(),
            "a closed connection frees its place"
        );
    }

    #[test]
    fn the_total_is_capped_and_places_come_back() {
        let admission = Admission::new(limits(3, 3));
        let held: Vec<Admitted> = (1..=3)
            .map(|i| admission.admit(IpAddr::from([192, 0, 2, i])).unwrap())
            .collect();
        assert_eq!(
            admission.admit("192.0.2.9".parse().unwrap()).err(),
            Some(Refusal::AllBusy)
        );
        assert_eq!(admission.open(), 3);
        drop(held);
        assert_eq!(admission.open(), 0);
    }

    #[test]
    fn a_tally_reports_the_first_event_then_one_count_per_interval() {
        let tally = LogTally::default();
        let start = Instant::now();
        assert_eq!(tally.count(start), Some(1));
        for _ in 0..99 {
            assert_eq!(tally.count(start + Duration::from_secs(1)), None);
        }
        assert_eq!(tally.count(start + REFUSAL_LOG_INTERVAL), Some(100));
        for _ in 0..7 {
            assert_eq!(tally.count(start + REFUSAL_LOG_INTERVAL), None);
        }
        assert_eq!(
            tally.flush(start + REFUSAL_LOG_INTERVAL),
            None,
            "not due yet"
        );
        assert_eq!(tally.flush(start + 2 * REFUSAL_LOG_INTERVAL), Some(7));
        assert_eq!(
            tally.flush(start + 3 * REFUSAL_LOG_INTERVAL),
            None,
            "nothing new"
        );
    }

    #[test]
    fn refusals_are_reported_once_per_interval_with_their_count() {
        let admission = Admission::new(limits(1, 1));
        let _held = admission.admit("192.0.2.1".parse().unwrap()).unwrap();
        let start = Instant::now();
        assert_eq!(admission.refusal_report(start), None, "nothing refused yet");
        for _ in 0..500 {
            let _ = admission.admit("192.0.2.2".parse().unwrap());
        }
        let line = admission.refusal_report(start).unwrap();
        assert!(
            line.contains("500 because 1 connections were open"),
            "{line}"
        );
        let _ = admission.admit("192.0.2.2".parse().unwrap());
        assert_eq!(
            admission.refusal_report(start + Duration::from_secs(1)),
            None
        );
        let later = admission
            .refusal_report(start + REFUSAL_LOG_INTERVAL)
            .unwrap();
        assert!(later.contains("refused connections: 1 because"), "{later}");
    }
}
