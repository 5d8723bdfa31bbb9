use serde::{Deserialize, Serialize};

/// What the sink durably recorded about one published story version.
///
/// The sink writes it with the record (in the same Kafka transaction, or as part of the
/// record line for the file sink) and hands all of them back at startup, so state that
/// depends on delivery (duplicate fingerprints, story versions) is rebuilt from what was
/// really delivered — never from what was merely attempted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub uri: String,
    pub version: u32,
    /// The normalized-body fingerprint, as 16 lowercase hex digits on the wire.
    #[serde(with = "hex_u64")]
    pub fingerprint: u64,
    pub source: String,
    /// Identity inputs, so the normalizer's story window can be rebuilt (guid → uri, link →
    /// uri, headline → uri) for stories whose local state write was lost in a crash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub headline: String,
}

impl Published {
    pub fn of(story: &crate::Story) -> Published {
        Published {
            uri: story.uri.clone(),
            version: story.version,
            fingerprint: story.fingerprint,
            source: story.source.to_string(),
            guid: story.guid.clone(),
            link: story.link.clone(),
            headline: story.headline.clone(),
        }
    }

    /// Reads one back from a ninjs record we wrote (the file sink's restore path): the
    /// fingerprint travels as an `altids` entry with role [`FINGERPRINT_ALTID_ROLE`].
    pub fn from_ninjs(record: &serde_json::Value) -> Option<Published> {
        let uri = record.get("uri")?.as_str()?.to_string();
        let version = record.get("version")?.as_str()?.parse().ok()?;
        let fp = record
            .get("altids")?
            .as_array()?
            .iter()
            .find(|a| a.get("role").and_then(|r| r.as_str()) == Some(FINGERPRINT_ALTID_ROLE))?
            .get("value")?
            .as_str()?;
        let fingerprint = u64::from_str_radix(fp, 16).ok()?;
        let source = record
            .get("infosources")
            .and_then(|s| s.get(0))
            .and_then(|s| s.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        let altid = |role: &str| {
            record.get("altids")?.as_array()?.iter().find_map(|a| {
                if a.get("role")?.as_str()? == role {
                    a.get("value")?.as_str().map(str::to_string)
                } else {
                    None
                }
            })
        };
        let headline = record
            .get("headlines")
            .and_then(|h| h.get(0))
            .and_then(|h| h.get("value"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Some(Published {
            uri,
            version,
            fingerprint,
            source,
            guid: altid("guid"),
            link: altid("link"),
            headline,
        })
    }
}

/// The `altids[].role` under which a record carries its body fingerprint.
pub const FINGERPRINT_ALTID_ROLE: &str = "wirefeed-fingerprint";

mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}
