use std::collections::HashMap;

use wirefeed_model::RawItem;
use xxhash_rust::xxh3::xxh3_64;

/// Remembers, per source, the content hash of every entry id seen in this run, so a re-poll
/// passes on only new or edited entries.
///
/// In memory only, by design: after a restart everything is passed on again and the
/// persistent story window (which advances only after the sink acknowledges) drops what was
/// already published. That keeps fetch free of durable state that could run ahead of delivery.
#[derive(Default)]
pub(crate) struct Seen {
    by_id: HashMap<String, u64>,
}

/// Bound on entries remembered per source; a feed longer than this just gets re-checked.
const MAX_ENTRIES: usize = 200_000;

impl Seen {
    /// True if the item is new or its content changed since it was last seen.
    pub(crate) fn is_fresh(&mut self, item: &RawItem) -> bool {
        let id = item
            .guid
            .clone()
            .or_else(|| item.link.clone())
            .unwrap_or_else(|| item.title.clone().unwrap_or_default());
        let mut h = String::new();
        for part in [&item.title, &item.link] {
            h.push_str(part.as_deref().unwrap_or(""));
            h.push('\u{1f}');
        }
        for part in [&item.summary, &item.content] {
            h.push_str(part.as_ref().map(|t| t.value.as_str()).unwrap_or(""));
            h.push('\u{1f}');
        }
        let hash = xxh3_64(h.as_bytes());
        if self.by_id.len() >= MAX_ENTRIES && !self.by_id.contains_key(&id) {
            self.by_id.clear();
        }
        self.by_id.insert(id, hash) != Some(hash)
    }
}
