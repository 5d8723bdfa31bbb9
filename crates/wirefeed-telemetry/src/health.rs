use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Readiness as the stages report it. Liveness is implied by the endpoint answering at all.
///
/// Atomics rather than a lock: stages update these on their hot path and `/readyz` reads them
/// from another task.
#[derive(Debug, Default)]
pub struct Health {
    sources_loaded: AtomicBool,
    sink_connected: AtomicBool,
    /// Unix seconds since the pipeline has been blocked on a full channel; 0 when it is not.
    backpressure_since: AtomicI64,
    /// Seconds of sustained backpressure after which we report not ready.
    backpressure_limit_secs: AtomicI64,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Health {
    pub fn new(backpressure_limit_secs: i64) -> Self {
        let h = Health::default();
        h.backpressure_limit_secs
            .store(backpressure_limit_secs, Ordering::Relaxed);
        h
    }
    pub fn set_sources_loaded(&self, v: bool) {
        self.sources_loaded.store(v, Ordering::Relaxed);
    }
    pub fn set_sink_connected(&self, v: bool) {
        self.sink_connected.store(v, Ordering::Relaxed);
    }
    /// Marks the start or the end of a period in which the sink could not keep up.
    pub fn set_backpressure(&self, blocked: bool) {
        if blocked {
            let _ = self.backpressure_since.compare_exchange(
                0,
                now_secs(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        } else {
            self.backpressure_since.store(0, Ordering::Relaxed);
        }
    }

    /// Seconds the pipeline has been blocked on the sink without a break; 0 when it is not.
    pub fn backpressure_secs(&self) -> i64 {
        let since = self.backpressure_since.load(Ordering::Relaxed);
        if since > 0 {
            (now_secs() - since).max(0)
        } else {
            0
        }
    }

    /// `Ok(())` when ready, else the reasons, one per line, for the `/readyz` body.
    pub fn readiness(&self) -> Result<(), String> {
        let mut why = Vec::new();
        if !self.sources_loaded.load(Ordering::Relaxed) {
            why.push("sources not loaded".to_string());
        }
        if !self.sink_connected.load(Ordering::Relaxed) {
            why.push("sink not connected".to_string());
        }
        let blocked = self.backpressure_secs();
        let limit = self.backpressure_limit_secs.load(Ordering::Relaxed);
        if blocked > limit {
            why.push(format!(
                "backpressure for {blocked}s (limit {limit}s): the sink cannot keep up"
            ));
        }
        if why.is_empty() {
            Ok(())
        } else {
            Err(why.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_sources_and_sink_are_up_and_no_long_backpressure() {
        let h = Health::new(0);
        assert!(h.readiness().unwrap_err().contains("sources not loaded"));
        h.set_sources_loaded(true);
        assert!(h.readiness().unwrap_err().contains("sink not connected"));
        h.set_sink_connected(true);
        assert!(h.readiness().is_ok());
        // Backpressure that started in the past beyond the limit of 0 s makes us not ready.
        h.backpressure_since
            .store(now_secs() - 5, Ordering::Relaxed);
        assert!(h.readiness().unwrap_err().contains("backpressure"));
        assert!(h.backpressure_secs() >= 5);
        h.set_backpressure(false);
        assert_eq!(h.backpressure_secs(), 0);
        assert!(h.readiness().is_ok());
    }
}
