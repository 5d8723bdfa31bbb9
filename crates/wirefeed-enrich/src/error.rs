//! The one error type of this crate. Every variant names the file it came from, so a bad
//! config stops startup with a message an operator can act on.

/// Why a taxonomy or gazetteer could not be loaded or compiled.
///
/// All of these are configuration faults (the operator's to fix); enriching a story never
/// fails.
#[derive(thiserror::Error, Debug)]
pub enum EnrichError {
    /// The file could not be read at all.
    #[error("{origin}: cannot read: {source}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the expected shape (unknown key, wrong
    /// type, missing field).
    #[error("{origin}:{line}:{column}: {}{message}", in_topic(.topic))]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        /// The topic whose table holds the error, when it could be found.
        topic: Option<String>,
        message: String,
    },
    /// The file parsed but a topic or entry breaks a rule (duplicate id, empty phrase,
    /// unknown parent, IPTC code without a label, …).
    #[error("{origin}:{line}: topic `{topic}`: {message}")]
    Invalid {
        origin: String,
        line: usize,
        topic: String,
        message: String,
    },
    /// The phrase automaton could not be built (too many or too long phrases).
    #[error("building the phrase automaton: {0}")]
    Automaton(String),
}

fn in_topic(topic: &Option<String>) -> String {
    match topic {
        Some(t) => format!("topic `{t}`: "),
        None => String::new(),
    }
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The `id` of the `[[topic]]` table that contains byte `offset`, found textually because
/// a TOML syntax error leaves no parsed table to ask.
pub(crate) fn topic_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind("[[topic]]")?;
    let rest = &text[start + "[[topic]]".len()..];
    let end = rest.find("\n[").unwrap_or(rest.len());
    rest[..end].lines().find_map(|l| {
        let l = l.trim();
        let v = l.strip_prefix("id")?.trim_start().strip_prefix('=')?.trim();
        Some(v.trim_matches('"').to_string())
    })
}

/// Turns a toml error into [`EnrichError::Syntax`] with line, column and topic.
pub(crate) fn from_toml(origin: &str, text: &str, err: toml::de::Error) -> EnrichError {
    let offset = err.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, offset);
    EnrichError::Syntax {
        origin: origin.to_string(),
        line,
        column,
        topic: err.span().and_then(|_| topic_at(text, offset)),
        message: err.message().trim().to_string(),
    }
}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file works, but something in it should be fixed (e.g. a retired IPTC code that
    /// was replaced).
    Warning,
}

/// One finding about a taxonomy file, for `wirefeed check` and the log: where it is and what
/// is wrong. Displays as `file:line: warning: topic `id`: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file (or `built-in taxonomy`).
    pub origin: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The topic the finding is about, when known.
    pub topic: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: {}{}", in_topic(&self.topic), self.message)
    }
}

impl From<&EnrichError> for Diagnostic {
    fn from(e: &EnrichError) -> Diagnostic {
        let (origin, line, topic, message) = match e {
            EnrichError::Read { origin, source } => {
                (origin.clone(), None, None, format!("cannot read: {source}"))
            }
            EnrichError::Syntax {
                origin,
                line,
                topic,
                message,
                ..
            } => (origin.clone(), Some(*line), topic.clone(), message.clone()),
            EnrichError::Invalid {
                origin,
                line,
                topic,
                message,
            } => (
                origin.clone(),
                Some(*line),
                Some(topic.clone()),
                message.clone(),
            ),
            EnrichError::Automaton(m) => (
                "taxonomy".into(),
                None,
                None,
                format!("building the phrase automaton: {m}"),
            ),
        };
        Diagnostic {
            severity: Severity::Error,
            origin,
            line,
            topic,
            message,
        }
    }
}
