//! How long and how hard a target is fuzzed: defaults chosen by each test, overridden by
//! environment variables (scripts/fuzz.sh sets them for longer runs).

use crate::error::FuzzError;
use std::time::Duration;

/// Seconds of mutation per target (replay of the regression files is not counted).
pub const ENV_SECONDS: &str = "CERTHOST_FUZZ_SECONDS";
/// Most mutated inputs per target; `0` means until the time is spent. Setting
/// [`ENV_SECONDS`] without this one also lifts the default bound.
pub const ENV_RUNS: &str = "CERTHOST_FUZZ_RUNS";
/// The PRNG seed (a number, or `random`). The default is fixed, so the normal suite
/// tries the same inputs on every machine fast enough to reach its run bound.
pub const ENV_SEED: &str = "CERTHOST_FUZZ_SEED";
/// Most oracle calls (openssl, Python) per target while mutating.
pub const ENV_ORACLE_CALLS: &str = "CERTHOST_FUZZ_ORACLE_CALLS";
/// Comma-separated target names to mutate; the others only replay their regressions.
pub const ENV_TARGETS: &str = "CERTHOST_FUZZ_TARGETS";
/// Longest mutated input in bytes.
pub const ENV_MAX_LEN: &str = "CERTHOST_FUZZ_MAX_LEN";
/// Most levels one nesting mutation adds (brackets of a text, DER wrappers). Deep
/// nesting finds stack overflows and exponential parsing; a stack overflow kills the
/// test process (see [`ENV_IN_PROGRESS_DIR`]), so the normal suite keeps this low.
pub const ENV_MAX_NEST: &str = "CERTHOST_FUZZ_MAX_NEST";
/// Replay just this one file (for every target whose name appears in its path) and
/// mutate nothing.
pub const ENV_REPLAY: &str = "CERTHOST_FUZZ_REPLAY";
/// Where the input being run is written first, so that a crash that kills the process
/// (stack overflow, abort) still leaves it behind. Default: `<temp>/certhost-fuzz`.
pub const ENV_IN_PROGRESS_DIR: &str = "CERTHOST_FUZZ_IN_PROGRESS_DIR";

/// The default seed of the normal test suite.
pub const DEFAULT_SEED: u64 = 0x5eed_c347_4057;

/// The limits of one target's run.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Time spent mutating (zero: replay only).
    pub time: Duration,
    /// Most mutated inputs (`None`: until the time is spent).
    pub runs: Option<u64>,
    pub seed: u64,
    /// Most oracle calls while mutating (replay checks every claim).
    pub oracle_calls: usize,
    /// Longest one input may run before it counts as a hang.
    pub timeout: Duration,
    /// Longest mutated input, in bytes.
    pub max_len: usize,
    /// Most levels one nesting mutation adds.
    pub max_nest: usize,
}

impl Budget {
    /// A short run for the normal test suite: `time`, at most `runs` inputs, the fixed
    /// seed, 40 oracle calls, 10 s per input, inputs up to 64 KiB, nesting by up to 8.
    pub fn quick(time: Duration, runs: u64) -> Self {
        Budget {
            time,
            runs: Some(runs),
            seed: DEFAULT_SEED,
            oracle_calls: 40,
            timeout: Duration::from_secs(10),
            max_len: 64 * 1024,
            max_nest: 8,
        }
    }

    /// `self` with the environment's overrides applied for `target`.
    pub fn from_env(self, target: &str) -> Result<Self, FuzzError> {
        self.with_overrides(target, |var| std::env::var(var).ok())
    }

    /// `self` with overrides read through `get` (the environment, or a test's map).
    pub fn with_overrides(
        mut self,
        target: &str,
        get: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, FuzzError> {
        if let Some(v) = get(ENV_SECONDS) {
            let secs: f64 = v.trim().parse().map_err(|_| FuzzError::Config {
                var: ENV_SECONDS,
                value: v.clone(),
                reason: "expected a number of seconds",
            })?;
            if !secs.is_finite() || secs < 0.0 {
                return Err(FuzzError::Config {
                    var: ENV_SECONDS,
                    value: v,
                    reason: "expected a non-negative number of seconds",
                });
            }
            self.time = Duration::from_secs_f64(secs);
            self.runs = None;
        }
        if let Some(v) = get(ENV_RUNS) {
            let runs: u64 = parse_number(ENV_RUNS, &v)?;
            self.runs = (runs > 0).then_some(runs);
        }
        if let Some(v) = get(ENV_SEED) {
            self.seed = if v.trim().eq_ignore_ascii_case("random") {
                fastrand::u64(..)
            } else {
                parse_number(ENV_SEED, &v)?
            };
        }
        if let Some(v) = get(ENV_ORACLE_CALLS) {
            self.oracle_calls = parse_number(ENV_ORACLE_CALLS, &v)?;
        }
        if let Some(v) = get(ENV_MAX_LEN) {
            self.max_len = parse_number(ENV_MAX_LEN, &v)?;
        }
        if let Some(v) = get(ENV_MAX_NEST) {
            self.max_nest = parse_number(ENV_MAX_NEST, &v)?;
        }
        if let Some(v) = get(ENV_TARGETS)
            && !v.split(',').any(|t| t.trim() == target)
        {
            self.time = Duration::ZERO;
        }
        if get(ENV_REPLAY).is_some() {
            self.time = Duration::ZERO;
        }
        Ok(self)
    }
}

fn parse_number<T: std::str::FromStr>(var: &'static str, value: &str) -> Result<T, FuzzError> {
    let v = value.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16)
            .ok()
            .and_then(|n| n.to_string().parse().ok()),
        None => v.parse().ok(),
    };
    parsed.ok_or_else(|| FuzzError::Config {
        var,
        value: value.to_string(),
        reason: "expected a whole number",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&'static str, &str)]) -> Result<Budget, FuzzError> {
        let map: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Budget::quick(Duration::from_secs(3), 100).with_overrides("pfx", |k| map.get(k).cloned())
    }

    #[test]
    fn seconds_lift_the_run_bound_unless_runs_are_given() {
        let b = with(&[(ENV_SECONDS, "60")]).unwrap();
        assert_eq!((b.time, b.runs), (Duration::from_secs(60), None));
        let b = with(&[(ENV_SECONDS, "60"), (ENV_RUNS, "5")]).unwrap();
        assert_eq!(b.runs, Some(5));
        assert_eq!(with(&[]).unwrap().runs, Some(100));
    }

    #[test]
    fn targets_not_listed_only_replay() {
        assert_eq!(
            with(&[(ENV_TARGETS, "pem, keys")]).unwrap().time,
            Duration::ZERO
        );
        assert_eq!(
            with(&[(ENV_TARGETS, "keys,pfx")]).unwrap().time,
            Duration::from_secs(3)
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let err = with(&[(ENV_SEED, "abc")]).unwrap_err().to_string();
        assert!(err.contains(ENV_SEED), "{err}");
        assert!(with(&[(ENV_SECONDS, "-1")]).is_err());
        assert_eq!(with(&[(ENV_SEED, "0x10")]).unwrap().seed, 16);
    }
}
