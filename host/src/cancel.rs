//! Ctrl+C: the signal handler sets a flag; the shell's loops and pipelines and the
//! component's epoch callback check it and stop what is running.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks whatever runs to stop (called from the SIGINT handler: only an atomic store).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for and not yet handled.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Clears the request (the prompt is back; the next command runs normally).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

extern "C" fn on_sigint(_: libc::c_int) {
    request();
}

/// Installs the SIGINT handler: Ctrl+C stops the running pipeline instead of the process.
pub fn install_handler() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the
    // function pointer has the signature `signal` expects.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}
