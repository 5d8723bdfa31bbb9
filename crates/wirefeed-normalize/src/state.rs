//! Story identity across items: which uri and version a story gets, and whether it is a
//! re-post of something already published. Persistent in an embedded database, bounded by a
//! window of age and count.
//!
//! The API is check-now / commit-after-ack: [`StoryState::check`] decides and reserves the
//! story in memory (so a re-post or update arriving while the original is in flight is still
//! recognised), [`StoryState::commit`] is called once the sink acknowledged it, and only then
//! is the record written to disk. Durable state never runs ahead of delivery: after a crash,
//! unacknowledged stories are simply not known and are published again.
//!
//! Storage: `redb`, a pure-Rust embedded key-value store with ACID, copy-on-write B-tree
//! transactions (a torn write leaves the previous commit intact), no C dependencies and no
//! background threads. We chose it over `fjall` (an LSM tree with compaction threads and a
//! larger dependency tree) because our access pattern is small: an append by sequence number
//! and a delete from the front, with the whole window loaded into memory at start.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use foldhash::fast::RandomState;
use redb::{ReadableTable, TableDefinition};
use wirefeed_model::{PubStatus, Story};
use xxhash_rust::xxh3::xxh3_64;

use crate::simhash::{self, SimIndex};

/// Which `u64` of a [`Record`] an [`Index`] looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Fp,
    Uri,
    /// One of the three identity keys; the entry says which in its low two bits.
    Key,
}

/// A hash index from one `u64` field of the records to their slots that stores only a `u32`
/// per bucket and reads the key back from the slab. A `HashMap<u64, u32>` pads each bucket
/// to 16 bytes; at 1 M stories the three maps (fingerprint, uri, identity keys) were 140 MB
/// of the window, this is 35 MB. Map semantics are kept: at most one entry per key value,
/// the last insert wins. Every entry points at a live record: entries are removed before
/// their slot is freed, and the slab slot is filled before its entries are inserted (a
/// resize hashes existing entries by reading their records).
struct Index {
    field: Field,
    table: hashbrown::HashTable<u32>,
}

impl Index {
    fn with_capacity(field: Field, n: usize) -> Index {
        Index {
            field,
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    fn slot(&self, entry: u32) -> u32 {
        match self.field {
            Field::Key => entry >> 2,
            _ => entry,
        }
    }

    /// The key an entry stands for. A dangling entry (a broken invariant) reads as 0, which
    /// no lookup asks for, so it is never found instead of panicking the stage.
    fn key_of(field: Field, slab: &[Option<Record>], entry: u32) -> u64 {
        let (slot, i) = match field {
            Field::Key => (entry >> 2, (entry & 3) as usize),
            _ => (entry, 0),
        };
        let Some(r) = slab.get(slot as usize).and_then(Option::as_ref) else {
            debug_assert!(false, "index entry {entry} points at a free slot");
            return 0;
        };
        match field {
            Field::Fp => r.fp,
            Field::Uri => r.uri,
            Field::Key => r.keys.get(i).copied().unwrap_or(0),
        }
    }

    fn get(&self, slab: &[Option<Record>], hasher: &RandomState, key: u64) -> Option<u32> {
        let field = self.field;
        self.table
            .find(hasher.hash_one(key), |&e| {
                Self::key_of(field, slab, e) == key
            })
            .map(|&e| self.slot(e))
    }

    /// Points `key` at `entry` (a slot, or for identity keys `slot << 2 | key index`).
    fn insert(&mut self, slab: &[Option<Record>], hasher: &RandomState, key: u64, entry: u32) {
        let field = self.field;
        let hash = hasher.hash_one(key);
        match self
            .table
            .find_mut(hash, |&e| Self::key_of(field, slab, e) == key)
        {
            Some(e) => *e = entry,
            None => {
                self.table.insert_unique(hash, entry, |&e| {
                    hasher.hash_one(Self::key_of(field, slab, e))
                });
            }
        }
    }

    /// Drops `key` if it still points at `slot` (a later record may have taken the key over).
    fn remove_if(&mut self, slab: &[Option<Record>], hasher: &RandomState, key: u64, slot: u32) {
        let field = self.field;
        if let Ok(e) = self.table.find_entry(hasher.hash_one(key), |&e| {
            Self::key_of(field, slab, e) == key
        }) {
            let points_here = match field {
                Field::Key => *e.get() >> 2 == slot,
                _ => *e.get() == slot,
            };
            if points_here {
                e.remove();
            }
        }
    }
}

/// seq → (uri id, dedup fingerprint, simhash, guid key, link key, headline key, version,
/// committed-at unix seconds). Keys of 0 mean "none". Sequence order is commit order, so
/// expiring the oldest is deleting from the front.
const RECORDS: TableDefinition<u64, Row> = TableDefinition::new("records");

/// One stored record: see [`RECORDS`].
type Row = (u64, u64, u64, u64, u64, u64, u32, u32);

/// The database file inside the state directory.
pub const STATE_FILE: &str = "state.redb";

/// Written records are batched: a commit is flushed when this many are pending or
/// [`FLUSH_INTERVAL`] has passed. A crash loses what was not yet synced (see
/// [`SYNC_INTERVAL`]), which only means those stories may be published once more
/// (at-least-once), never lost; and the sink's state topic restores them at start-up.
const FLUSH_BATCH: usize = 256;

/// Batches are committed without fsync (redb `Durability::None`) unless this long has passed
/// since the last synced commit, and at [`StoryState::flush`]. An fsync per batch cost 567
/// `fdatasync` calls (0.33 s, 0.6 ms each) in the 16x load benchmark, each inside the window
/// lock that normalize waits on; a synced commit every few seconds bounds the loss the same
/// way the batch does, and redb frees pages only at synced commits, so the file stays small.
const SYNC_INTERVAL: Duration = Duration::from_secs(5);

/// Pre-sizing stops here: a window configured far larger grows its tables as it fills.
const MAX_PRESIZE: usize = 2_000_000;
const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Page cache of the database. The window lives in our own compact index in memory; redb only
/// needs enough cache for appends and front deletes, and its default (1 GiB) would blow the
/// memory budget.
const DB_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A kill shares its text with the story it withdraws; salting its fingerprint keeps it from
/// being dropped as an exact duplicate of that story.
const CANCELED_SALT: u64 = 0x6b69_6c6c_6b69_6c6c;

/// A pointer to a re-post carries its original's fingerprint salted with this, so the window
/// (and the sink's restore) tell the pointer from the original.
const POINTER_SALT: u64 = 0x706f_696e_7465_7221;

/// Tunables of the story window; see the matching `NormalizeConfig` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConfig {
    pub window: Duration,
    pub max_stories: usize,
    pub near_distance: u32,
    pub near_min_words: usize,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            window: Duration::from_secs(7 * 24 * 3600),
            max_stories: 1_000_000,
            near_distance: 3,
            near_min_words: 40,
        }
    }
}

/// Why the state cannot be opened or written.
#[derive(thiserror::Error, Debug)]
pub enum StateError {
    #[error("state database: {0}")]
    Db(String),
    #[error("state directory: {0}")]
    Io(#[from] std::io::Error),
}

fn db_err(e: impl std::fmt::Display) -> StateError {
    StateError::Db(e.to_string())
}

/// The kind of a duplicate, a closed set usable as a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    /// The same normalized body (whitespace, case, wrapping and debris aside).
    Exact,
    /// A body within `near_distance` bits of SimHash of one already published.
    Near,
}

impl DuplicateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateKind::Exact => "exact",
            DuplicateKind::Near => "near",
        }
    }
}

/// What to do with a story, decided by [`StoryState::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The first version of a story not seen in the window: publish as is.
    New,
    /// A new version of a known story: `uri` and `version` of the story were rewritten to
    /// continue it. Publish.
    Version { previous: u32 },
    /// A re-post of a published (or in-flight) story: drop and count it.
    Duplicate {
        kind: DuplicateKind,
        /// The uri of the story it repeats.
        of: String,
        /// SimHash Hamming distance (0 for exact).
        distance: u32,
    },
}

/// What [`StoryState::restore`] did with one of the sink's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// Missing from the window (lost local write, deleted window): added.
    Added,
    /// Already in the window.
    Known,
    /// Published longer ago than the window: not added.
    Expired,
}

struct Record {
    seq: u64,
    uri: u64,
    fp: u64,
    /// SimHash of the body, 0 when too short to be indexed.
    sim: u64,
    keys: [u64; 3],
    version: u32,
    at: u32,
    /// The slot of the version this one took the uri over from ([`NO_SLOT`] if none), so
    /// that [`StoryState::release`] can give the keys back. It may be stale (evicted or
    /// reused): [`StoryState::previous`] checks uri and sequence. Costs nothing: it fills
    /// padding.
    prev: u32,
    /// Re-posts dropped as duplicates of this version while it was in flight: lost with it if
    /// the sink refuses it ([`StoryState::release`] reports them). Fits padding too.
    repeats: u16,
    /// Written to the database (acknowledged by the sink); in flight otherwise.
    durable: bool,
}

const NO_SLOT: u32 = u32::MAX;

// The window's memory is mostly this slab (1 M slots at the default window): a field that
// grows it should be a decision, not an accident.
const _: () = assert!(std::mem::size_of::<Option<Record>>() == 72);

impl Record {
    fn row(&self) -> Row {
        let [g, l, h] = self.keys;
        (self.uri, self.fp, self.sim, g, l, h, self.version, self.at)
    }
}

/// The story window: uri → latest version, identity keys → uri, fingerprints and SimHashes of
/// every version, in memory, with the acknowledged part mirrored in `<state_dir>/state.redb`.
///
/// Memory is a slab of fixed-size records, three compact [`Index`]es and the SimHash tables,
/// about 145 bytes per story version: 145 MB resident with 1 M stories, 160 MB with the
/// database open (measured by `examples/state_memory.rs`).
pub struct StoryState {
    config: StateConfig,
    slab: Vec<Option<Record>>,
    free: Vec<u32>,
    /// Slots in commit order; the front expires first.
    order: VecDeque<u32>,
    by_fp: Index,
    by_key: Index,
    by_uri: Index,
    /// Keyed per process: feed content chooses the keys, so their buckets must not be
    /// predictable. foldhash's seeded hash is a few multiplies a key, where std's SipHash
    /// cost ~150 instructions a lookup.
    hasher: RandomState,
    sims: SimIndex,
    next_seq: u64,
    db: Option<Db>,
    /// Buffers [`simhash::words_into`] reuses from story to story.
    word_hashes: Vec<u64>,
    word_scratch: Vec<u8>,
}

struct Db {
    db: redb::Database,
    pending_insert: Vec<(u64, Row)>,
    pending_delete: Vec<u64>,
    last_flush: Instant,
    /// The last commit with an fsync.
    last_sync: Instant,
    /// A commit without fsync happened since.
    unsynced: bool,
}

/// The numeric id inside `urn:wirefeed:story:<16 hex>`; other uris (none today) are hashed.
fn uri_id(uri: &str) -> u64 {
    uri.strip_prefix(crate::identity::URI_PREFIX)
        .filter(|h| h.len() == 16)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or_else(|| xxh3_64(uri.as_bytes()))
}

fn uri_string(id: u64) -> String {
    crate::identity::uri_of(id)
}

/// Identity keys of a story, most specific first: publisher guid (scoped by source),
/// canonical link (global), clean headline (scoped by source). 0 for a missing key.
fn identity_keys(story: &Story) -> [u64; 3] {
    identity_keys_of(
        &story.source,
        story.guid.as_deref(),
        story.link.as_deref(),
        &story.headline,
    )
}

fn identity_keys_of(
    source: &str,
    guid: Option<&str>,
    link: Option<&str>,
    headline: &str,
) -> [u64; 3] {
    // The parts joined by U+001F, the last one lowercased for the headline key; in one
    // buffer for the three keys (this runs on every story).
    let longest = guid.map_or(0, str::len).max(link.map_or(0, str::len));
    let mut buf = String::with_capacity(16 + source.len() + longest.max(headline.len()) * 2);
    let mut key = |parts: &[&str], lowercase: bool| {
        buf.clear();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                buf.push('\u{1f}');
            }
            if lowercase && i == parts.len() - 1 {
                crate::identity::push_lowercase(&mut buf, p);
            } else {
                buf.push_str(p);
            }
        }
        xxh3_64(buf.as_bytes()).max(1)
    };
    let guid = guid.map_or(0, |g| key(&["guid", source, g], false));
    let link = link.map_or(0, |l| key(&["link", l], false));
    let headline = if headline.is_empty() {
        0
    } else {
        key(&["headline", source, headline], true)
    };
    [guid, link, headline]
}

fn unix_secs(t: DateTime<Utc>) -> u32 {
    t.timestamp().clamp(0, u32::MAX as i64) as u32
}

impl StoryState {
    /// Opens (creating if needed) the state in `state_dir`, or a memory-only state for `None`.
    /// Records older than the window, or beyond its count, are deleted while loading.
    pub fn open(
        state_dir: Option<&Path>,
        config: StateConfig,
        now: DateTime<Utc>,
    ) -> Result<StoryState, StateError> {
        // Sized for the whole window up front: tables that double as the window fills leave
        // their old halves as holes in the heap (and briefly need both), which the soak showed
        // as ~190 MB of resident memory beyond the window itself at 1 M stories. Pages of a
        // table are only resident once entries land in them.
        let n = config.max_stories.min(MAX_PRESIZE);
        let mut state = StoryState {
            config,
            slab: Vec::with_capacity(n),
            free: Vec::new(),
            order: VecDeque::with_capacity(n),
            by_fp: Index::with_capacity(Field::Fp, n),
            by_key: Index::with_capacity(Field::Key, 3 * n),
            by_uri: Index::with_capacity(Field::Uri, n),
            hasher: RandomState::default(),
            sims: SimIndex::new(),
            next_seq: 1,
            db: None,
            word_hashes: Vec::new(),
            word_scratch: Vec::new(),
        };
        let Some(dir) = state_dir else {
            return Ok(state);
        };
        std::fs::create_dir_all(dir)?;
        let mut db = redb::Database::builder()
            .set_cache_size(DB_CACHE_BYTES)
            .create(dir.join(STATE_FILE))
            .map_err(db_err)?;
        // Give back the pages freed by earlier expiry; cheap when there is nothing to do.
        db.compact().map_err(db_err)?;
        {
            let w = db.begin_write().map_err(db_err)?;
            w.open_table(RECORDS).map_err(db_err)?;
            w.commit().map_err(db_err)?;
        }
        let r = db.begin_read().map_err(db_err)?;
        let table = r.open_table(RECORDS).map_err(db_err)?;
        for entry in table.iter().map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            let (uri, fp, sim, g, l, h, version, at) = v.value();
            let seq = k.value();
            state.next_seq = state.next_seq.max(seq + 1);
            state.insert(Record {
                seq,
                uri,
                fp,
                sim,
                keys: [g, l, h],
                version,
                at,
                prev: NO_SLOT,
                repeats: 0,
                durable: true,
            });
        }
        drop(table);
        drop(r);
        state.db = Some(Db {
            db,
            pending_insert: Vec::new(),
            pending_delete: Vec::new(),
            last_flush: Instant::now(),
            last_sync: Instant::now(),
            unsynced: false,
        });
        state.expire(now);
        state.flush()?;
        Ok(state)
    }

    /// Story versions in the window (published and in flight).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Decides what `story` is and reserves it in memory: for [`Decision::New`] and
    /// [`Decision::Version`] the story (with its uri and version possibly rewritten) must be
    /// passed to [`StoryState::commit`] once delivered. A duplicate changes nothing.
    pub fn check(&mut self, story: &mut Story, now: DateTime<Utc>) -> Decision {
        self.expire(now);
        let canceled = story.pubstatus == PubStatus::Canceled;
        let fp = dedup_fingerprint(story);
        if let Some(slot) = self.by_fp.get(&self.slab, &self.hasher, fp) {
            if let Some(uri) = self.count_repeat(slot) {
                return Decision::Duplicate {
                    kind: DuplicateKind::Exact,
                    of: uri_string(uri),
                    distance: 0,
                };
            }
        }
        simhash::words_into(
            &mut self.word_hashes,
            &mut self.word_scratch,
            story.paragraphs.iter().map(String::as_str),
        );
        // Short bodies are neither checked nor indexed: their SimHash says little, and
        // thousands of empty bodies would share one bucket and make eviction scan it.
        let sim = if self.word_hashes.len() >= self.config.near_min_words {
            simhash::simhash(&self.word_hashes).max(1)
        } else {
            0
        };
        let keys = identity_keys(story);
        let known = keys
            .iter()
            .filter(|&&k| k != 0)
            .find_map(|&k| self.by_key.get(&self.slab, &self.hasher, k))
            .and_then(|s| self.record(s))
            .map(|r| r.uri);
        let decision = match known {
            Some(uri) => {
                let latest = self
                    .by_uri
                    .get(&self.slab, &self.hasher, uri)
                    .and_then(|s| self.record(s))
                    .map_or(0, |r| r.version);
                story.uri = uri_string(uri);
                // An agency's own number wins when it is ahead; versions never go backwards.
                story.version = story.version.max(latest.saturating_add(1));
                Decision::Version { previous: latest }
            }
            None => {
                if !canceled && sim != 0 {
                    if let Some((slot, distance)) = self.nearest(sim) {
                        if let Some(of) = self.count_repeat(slot) {
                            return Decision::Duplicate {
                                kind: DuplicateKind::Near,
                                of: uri_string(of),
                                distance,
                            };
                        }
                    }
                }
                Decision::New
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(Record {
            seq,
            uri: uri_id(&story.uri),
            fp,
            sim,
            keys,
            version: story.version,
            at: unix_secs(now),
            prev: NO_SLOT,
            repeats: 0,
            durable: false,
        });
        self.enforce_count();
        decision
    }

    /// Turns a re-post `check` found to duplicate `of` into a pointer to it, to be published
    /// (and committed after delivery) like a story: `duplicate_of` is set and the fingerprint
    /// salted, so the pointer is remembered beside its original without being mistaken for it.
    ///
    /// Returns `false` (drop it) when the re-post has no identity of its own — it is a re-send
    /// of a story in the window (same uri, guid, link or headline key), so a pointer would
    /// overwrite or repeat that story under its own key — or when this pointer was already
    /// published.
    pub fn pointer(&mut self, story: &mut Story, of: &str, now: DateTime<Utc>) -> bool {
        let keys = identity_keys(story);
        if uri_id(&story.uri) == uri_id(of)
            || self
                .by_uri
                .get(&self.slab, &self.hasher, uri_id(&story.uri))
                .is_some()
            || keys
                .iter()
                .any(|&k| k != 0 && self.by_key.get(&self.slab, &self.hasher, k).is_some())
        {
            return false;
        }
        let fp = dedup_fingerprint(story) ^ POINTER_SALT;
        if self.by_fp.get(&self.slab, &self.hasher, fp).is_some() {
            return false;
        }
        story.duplicate_of = Some(of.to_string());
        story.fingerprint ^= POINTER_SALT;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(Record {
            seq,
            uri: uri_id(&story.uri),
            fp,
            sim: 0,
            keys,
            version: story.version,
            at: unix_secs(now),
            prev: NO_SLOT,
            repeats: 0,
            durable: false,
        });
        self.enforce_count();
        true
    }

    /// Records a delivered story (one `check` returned `New` or `Version` for) durably.
    /// Writes are batched; [`StoryState::flush`] forces them out.
    pub fn commit(&mut self, story: &Story) -> Result<(), StateError> {
        let fp = dedup_fingerprint(story);
        let Some(slot) = self.by_fp.get(&self.slab, &self.hasher, fp) else {
            // Expired from the window while in flight (a tiny window or a huge backlog):
            // nothing to remember.
            tracing::debug!(story = %story.uri, "committed story no longer in the window");
            return Ok(());
        };
        let Some(r) = self.slab[slot as usize].as_mut() else {
            return Ok(());
        };
        if r.durable {
            return Ok(());
        }
        r.durable = true;
        let row = (r.seq, r.row());
        if let Some(db) = &mut self.db {
            db.pending_insert.push(row);
            if db.pending_insert.len() >= FLUSH_BATCH || db.last_flush.elapsed() >= FLUSH_INTERVAL {
                let sync = db.last_sync.elapsed() >= SYNC_INTERVAL;
                self.write(sync)?;
            }
        }
        Ok(())
    }

    /// Forgets a story `check` (or `pointer`) reserved that will never be published: the sink
    /// dead-lettered it (the broker refused the record). Without this the reservation stayed
    /// for the whole window: a re-post of the refused story was dropped as a duplicate of
    /// something nobody received, and an edited re-send continued it as version 2 of a story
    /// whose version 1 never existed. A version's uri and identity keys go back to the
    /// version before it. Returns `None` when there was nothing to release (a story that is
    /// already durable or no longer in the window), else how many re-posts were dropped as
    /// its duplicates while it was in flight: they are lost with it (the caller says so).
    pub fn release(&mut self, story: &Story) -> Option<u16> {
        let fp = dedup_fingerprint(story);
        let slot = self.by_fp.get(&self.slab, &self.hasher, fp)?;
        let r = self.record(slot)?;
        if r.durable {
            return None;
        }
        let (uri, keys, prev, seq) = (r.uri, r.keys, r.prev, r.seq);
        let latest = self.by_uri.get(&self.slab, &self.hasher, uri) == Some(slot);
        // Entries go while the record is still there to read their keys from.
        self.by_fp.remove_if(&self.slab, &self.hasher, fp, slot);
        self.by_uri.remove_if(&self.slab, &self.hasher, uri, slot);
        let mut orphaned = [false; 3];
        for (i, &k) in keys.iter().enumerate().filter(|&(_, &k)| k != 0) {
            orphaned[i] = self.by_key.get(&self.slab, &self.hasher, k) == Some(slot);
            self.by_key.remove_if(&self.slab, &self.hasher, k, slot);
        }
        // Each key this version took over goes back to the newest earlier version with it.
        for i in (0..3).filter(|&i| orphaned[i]) {
            let mut at = self.previous(slot, uri, seq, prev);
            while let Some(p) = at {
                let Some(older) = self.record(p) else { break };
                if older.keys[i] == keys[i] {
                    self.by_key
                        .insert(&self.slab, &self.hasher, keys[i], p << 2 | i as u32);
                    break;
                }
                at = self.previous(p, uri, older.seq, older.prev);
            }
        }
        if latest {
            // The uri goes back to the version before.
            if let Some(p) = self.previous(slot, uri, seq, prev) {
                self.by_uri.insert(&self.slab, &self.hasher, uri, p);
            }
        } else {
            // A later version took the uri over from this one: it now continues from ours.
            let mut at = self.by_uri.get(&self.slab, &self.hasher, uri);
            while let Some(p) = at {
                let Some(later) = self.record(p) else { break };
                if later.prev == slot {
                    // Only a valid link is spliced in; a stale one ends the chain.
                    let spliced = self.previous(slot, uri, later.seq, prev).unwrap_or(NO_SLOT);
                    if let Some(Some(l)) = self.slab.get_mut(p as usize) {
                        l.prev = spliced;
                    }
                    break;
                }
                at = self.previous(p, uri, later.seq, later.prev);
            }
        }
        let r = self.slab[slot as usize].take()?;
        if r.sim != 0 {
            self.sims.remove(r.sim, slot);
        }
        // In flight means recent: it is near the back.
        if let Some(i) = self.order.iter().rposition(|&s| s == slot) {
            self.order.remove(i);
        }
        self.free.push(slot);
        Some(r.repeats)
    }

    /// The version before the one in `slot` (with `uri`, `seq` and link `prev`), if the link
    /// still points at it: an evicted slot may have been reused by another story since.
    fn previous(&self, slot: u32, uri: u64, seq: u64, prev: u32) -> Option<u32> {
        if prev == NO_SLOT || prev == slot {
            return None;
        }
        let r = self.record(prev)?;
        (r.uri == uri && r.seq < seq).then_some(prev)
    }

    /// Adds a story version the sink reports as published (`Sink::restore` at startup) and
    /// that this window does not hold — its local write was lost in a crash, or the window
    /// was deleted. Fingerprint, identity keys, uri and version are restored exactly, so
    /// duplicates and versions stay exact; the SimHash is not in the sink's record, so that
    /// story is not a near-duplicate candidate.
    ///
    /// `published_at` is when the sink committed it (the Kafka record's timestamp): an entry
    /// older than the window is not added, and one inside it leaves the window when it would
    /// have, not a full window after the restart. Without this every restart re-added every
    /// entry the sink ever kept, each as if published that moment.
    pub fn restore(
        &mut self,
        p: &wirefeed_model::Published,
        published_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Restored, StateError> {
        let cutoff = unix_secs(now).saturating_sub(self.config.window.as_secs() as u32);
        // A clock ahead of ours must not keep an entry beyond its window.
        let at = unix_secs(published_at.min(now));
        if at < cutoff {
            return Ok(Restored::Expired);
        }
        if self
            .by_fp
            .get(&self.slab, &self.hasher, p.fingerprint)
            .is_some()
        {
            return Ok(Restored::Known);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let record = Record {
            seq,
            uri: uri_id(&p.uri),
            fp: p.fingerprint,
            sim: 0,
            keys: identity_keys_of(&p.source, p.guid.as_deref(), p.link.as_deref(), &p.headline),
            version: p.version,
            at,
            prev: NO_SLOT,
            repeats: 0,
            durable: true,
        };
        let row = (seq, record.row());
        self.insert(record);
        self.enforce_count();
        if let Some(db) = &mut self.db {
            db.pending_insert.push(row);
            if db.pending_insert.len() >= FLUSH_BATCH {
                let sync = db.last_sync.elapsed() >= SYNC_INTERVAL;
                self.write(sync)?;
            }
        }
        Ok(Restored::Added)
    }

    /// Writes pending records and deletions in one fsynced transaction.
    pub fn flush(&mut self) -> Result<(), StateError> {
        self.write(true)
    }

    /// Commits pending rows; `sync` waits for them (and every earlier unsynced commit) to
    /// reach the disk.
    fn write(&mut self, sync: bool) -> Result<(), StateError> {
        let Some(db) = &mut self.db else {
            return Ok(());
        };
        db.last_flush = Instant::now();
        if db.pending_insert.is_empty() && db.pending_delete.is_empty() && !(sync && db.unsynced) {
            return Ok(());
        }
        let mut w = db.db.begin_write().map_err(db_err)?;
        if sync {
            db.last_sync = Instant::now();
        } else {
            w.set_durability(redb::Durability::None);
        }
        db.unsynced = !sync;
        {
            let mut t = w.open_table(RECORDS).map_err(db_err)?;
            for (seq, row) in db.pending_insert.drain(..) {
                t.insert(seq, row).map_err(db_err)?;
            }
            for seq in db.pending_delete.drain(..) {
                t.remove(seq).map_err(db_err)?;
            }
        }
        w.commit().map_err(db_err)
    }

    fn record(&self, slot: u32) -> Option<&Record> {
        self.slab.get(slot as usize)?.as_ref()
    }

    /// The slot of the closest stored SimHash within the configured distance.
    fn nearest(&self, sim: u64) -> Option<(u32, u32)> {
        let max = self.config.near_distance;
        if max == 0 {
            return None;
        }
        let mut best: Option<(u32, u32)> = None;
        self.sims.candidates(sim, |slot| {
            if let Some(r) = self.record(slot) {
                let d = simhash::distance(sim, r.sim);
                if d <= max && best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((slot, d));
                }
            }
        });
        best
    }

    /// A re-post of the record in `slot` is being dropped: counted on it while it is in
    /// flight. Its uri, or `None` for a free slot.
    fn count_repeat(&mut self, slot: u32) -> Option<u64> {
        let r = self.slab.get_mut(slot as usize)?.as_mut()?;
        if !r.durable {
            r.repeats = r.repeats.saturating_add(1);
        }
        Some(r.uri)
    }

    fn insert(&mut self, mut r: Record) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slab.push(None);
                (self.slab.len() - 1) as u32
            }
        };
        let latest = self
            .by_uri
            .get(&self.slab, &self.hasher, r.uri)
            .and_then(|s| Some((s, self.record(s)?.version)));
        let newer = latest.is_none_or(|(_, v)| v <= r.version);
        if newer {
            r.prev = latest.map_or(NO_SLOT, |(s, _)| s);
        }
        let (fp, uri, keys, sim) = (r.fp, r.uri, r.keys, r.sim);
        // The record first: the indexes read keys back from the slab.
        self.slab[slot as usize] = Some(r);
        self.by_fp.insert(&self.slab, &self.hasher, fp, slot);
        for (i, k) in keys.into_iter().enumerate().filter(|&(_, k)| k != 0) {
            self.by_key
                .insert(&self.slab, &self.hasher, k, slot << 2 | i as u32);
        }
        if newer {
            self.by_uri.insert(&self.slab, &self.hasher, uri, slot);
        }
        if sim != 0 {
            self.sims.insert(sim, slot);
        }
        self.order.push_back(slot);
    }

    fn evict_front(&mut self) {
        let Some(slot) = self.order.pop_front() else {
            return;
        };
        let Some(r) = self.slab[slot as usize].as_ref() else {
            return;
        };
        let (fp, uri, keys) = (r.fp, r.uri, r.keys);
        // Entries go while the record is still there to read their keys from.
        self.by_fp.remove_if(&self.slab, &self.hasher, fp, slot);
        self.by_uri.remove_if(&self.slab, &self.hasher, uri, slot);
        for k in keys.into_iter().filter(|&k| k != 0) {
            self.by_key.remove_if(&self.slab, &self.hasher, k, slot);
        }
        let Some(r) = self.slab[slot as usize].take() else {
            return;
        };
        if r.sim != 0 {
            self.sims.remove(r.sim, slot);
        }
        self.free.push(slot);
        if r.durable {
            if let Some(db) = &mut self.db {
                db.pending_delete.push(r.seq);
            }
        }
    }

    /// Forgets versions older than the window.
    fn expire(&mut self, now: DateTime<Utc>) {
        let cutoff = unix_secs(now).saturating_sub(self.config.window.as_secs() as u32);
        while let Some(&slot) = self.order.front() {
            match self.record(slot) {
                Some(r) if r.at >= cutoff => break,
                _ => self.evict_front(),
            }
        }
        self.enforce_count();
    }

    fn enforce_count(&mut self) {
        while self.order.len() > self.config.max_stories {
            self.evict_front();
        }
    }
}

fn dedup_fingerprint(story: &Story) -> u64 {
    if story.pubstatus == PubStatus::Canceled {
        story.fingerprint ^ CANCELED_SALT
    } else {
        story.fingerprint
    }
}

impl Drop for StoryState {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::error!(error = %e, "cannot flush story state");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Identity keys are persisted (state database): their values must not change. This is
    /// the original implementation.
    fn identity_keys_reference(
        source: &str,
        guid: Option<&str>,
        link: Option<&str>,
        headline: &str,
    ) -> [u64; 3] {
        let key = |parts: &[&str]| xxh3_64(parts.join("\u{1f}").as_bytes()).max(1);
        let guid = guid.map_or(0, |g| key(&["guid", source, g]));
        let link = link.map_or(0, |l| key(&["link", l]));
        let headline = if headline.is_empty() {
            0
        } else {
            key(&["headline", source, &headline.to_lowercase()])
        };
        [guid, link, headline]
    }

    /// The compact [`Index`] behaves as the `HashMap<u64, u32>` it replaced, through inserts
    /// that take keys over, evictions that must leave a taken-over key alone, slot reuse and
    /// table growth (it starts small here). Keys come from a small range so they collide often.
    #[test]
    fn index_matches_a_hash_map() {
        use std::collections::HashMap;
        let hasher = RandomState::default();
        let mut slab: Vec<Option<Record>> = Vec::new();
        let mut free: Vec<u32> = Vec::new();
        let mut live: Vec<u32> = Vec::new();
        let mut idx = [
            Index::with_capacity(Field::Fp, 0),
            Index::with_capacity(Field::Uri, 0),
            Index::with_capacity(Field::Key, 0),
        ];
        let mut model: [HashMap<u64, u32>; 3] = Default::default();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for step in 0..20_000u64 {
            if live.len() > 50 && rnd(3) == 0 {
                let slot = live.swap_remove(rnd(live.len() as u64) as usize);
                let r = slab[slot as usize].as_ref().unwrap();
                let (fp, uri, keys) = (r.fp, r.uri, r.keys);
                for (i, k) in [(0, fp), (1, uri)] {
                    idx[i].remove_if(&slab, &hasher, k, slot);
                    if model[i].get(&k) == Some(&slot) {
                        model[i].remove(&k);
                    }
                }
                for k in keys.into_iter().filter(|&k| k != 0) {
                    idx[2].remove_if(&slab, &hasher, k, slot);
                    if model[2].get(&k) == Some(&slot) {
                        model[2].remove(&k);
                    }
                }
                slab[slot as usize] = None;
                free.push(slot);
            } else {
                let slot = free.pop().unwrap_or_else(|| {
                    slab.push(None);
                    (slab.len() - 1) as u32
                });
                let keys = [rnd(400) * (rnd(2)), 1000 + rnd(400), 2000 + rnd(400)];
                let r = Record {
                    seq: step,
                    uri: 1 + rnd(300),
                    fp: 1 + rnd(500),
                    sim: 0,
                    keys,
                    version: 1,
                    at: 0,
                    prev: NO_SLOT,
                    repeats: 0,
                    durable: false,
                };
                let (fp, uri) = (r.fp, r.uri);
                slab[slot as usize] = Some(r);
                idx[0].insert(&slab, &hasher, fp, slot);
                model[0].insert(fp, slot);
                idx[1].insert(&slab, &hasher, uri, slot);
                model[1].insert(uri, slot);
                for (i, k) in keys.into_iter().enumerate().filter(|&(_, k)| k != 0) {
                    idx[2].insert(&slab, &hasher, k, slot << 2 | i as u32);
                    model[2].insert(k, slot);
                }
                live.push(slot);
            }
            for (i, m) in model.iter().enumerate() {
                assert_eq!(idx[i].table.len(), m.len(), "step {step} index {i}");
            }
        }
        for (i, m) in model.iter().enumerate() {
            for k in 0..3000u64 {
                assert_eq!(
                    idx[i].get(&slab, &hasher, k),
                    m.get(&k).copied(),
                    "index {i} key {k}"
                );
            }
        }
    }

    #[test]
    fn identity_keys_are_stable() {
        for (source, guid, link, headline) in [
            (
                "reuters",
                Some("G-1"),
                Some("https://x.com/A"),
                "Talks RESUME",
            ),
            ("s", None, None, "ÉCLAIR Σ talks"),
            ("", Some(""), Some(""), ""),
            ("bbc", None, Some("https://b/"), "x"),
        ] {
            assert_eq!(
                identity_keys_of(source, guid, link, headline),
                identity_keys_reference(source, guid, link, headline)
            );
        }
    }
}
