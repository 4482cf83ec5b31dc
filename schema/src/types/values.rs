//! Small value types shared by the document: durations, scores, agent parameters and secrets.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// Pacemaker's "infinity": scores are clamped to +/- this value.
pub const SCORE_INFINITY: i64 = 1_000_000;

/// A duration as Pacemaker writes it: `30s`, `500ms`, `2min`, `1h`, or a bare number of seconds.
/// The text is kept so that rendering gives back what the operator wrote.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    /// Milliseconds.
    pub ms: u64,
    /// The text as written (`30s`); a bare number keeps its digits.
    pub text: String,
}

impl Duration {
    /// Parses Pacemaker's interval syntax (a number with an optional unit).
    pub fn parse(s: &str) -> Option<Duration> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num.parse().ok()?;
        let factor = match unit.trim() {
            "" | "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "ms" | "msec" | "msecs" => 1,
            "us" | "usec" | "usecs" => {
                return Some(Duration {
                    ms: n / 1000,
                    text: s.into(),
                })
            }
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            _ => return None,
        };
        Some(Duration {
            ms: n.checked_mul(factor)?,
            text: s.into(),
        })
    }

    /// Whole seconds, rounding down.
    pub fn secs(&self) -> u64 {
        self.ms / 1000
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Pattern of the duration syntax, shared by the schema and the docs.
pub const DURATION_PATTERN: &str = r"^[0-9]+ ?(ms|msec|msecs|us|usec|usecs|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?$";

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a number with an optional unit (ms, s, min, h), such as `30s`, `500ms`, `2min`; a bare number means seconds.",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": DURATION_PATTERN }
            ]
        })
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as 30s")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Duration::parse(&v.to_string()).ok_or_else(|| E::custom("duration too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                let v = u64::try_from(v).map_err(|_| E::custom("negative duration"))?;
                self.visit_u64(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).ok_or_else(|| E::custom(format!("`{v}` is not a duration")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A Pacemaker score: an integer, or `INFINITY` / `-INFINITY`. Integers beyond +/- 1,000,000
/// are infinite, as in Pacemaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Score {
    /// `-INFINITY`: never.
    NegInfinity,
    /// A finite preference.
    Value(i64),
    /// `INFINITY`: always (must).
    Infinity,
}

impl Score {
    /// Builds a score from an integer, clamping to infinity as Pacemaker does.
    pub fn from_int(v: i64) -> Score {
        if v >= SCORE_INFINITY {
            Score::Infinity
        } else if v <= -SCORE_INFINITY {
            Score::NegInfinity
        } else {
            Score::Value(v)
        }
    }

    /// Parses `INFINITY`, `+INFINITY`, `-INFINITY` or an integer.
    pub fn parse(s: &str) -> Option<Score> {
        match s.trim() {
            "INFINITY" | "+INFINITY" | "inf" | "+inf" => Some(Score::Infinity),
            "-INFINITY" | "-inf" => Some(Score::NegInfinity),
            t => t.parse::<i64>().ok().map(Score::from_int),
        }
    }

    /// The score as an integer with infinity as +/- 1,000,000.
    pub fn as_i64(self) -> i64 {
        match self {
            Score::NegInfinity => -SCORE_INFINITY,
            Score::Value(v) => v,
            Score::Infinity => SCORE_INFINITY,
        }
    }
}

impl std::ops::Add for Score {
    type Output = Score;

    /// Pacemaker's score addition: infinities win, -INFINITY over INFINITY.
    fn add(self, other: Score) -> Score {
        match (self, other) {
            (Score::NegInfinity, _) | (_, Score::NegInfinity) => Score::NegInfinity,
            (Score::Infinity, _) | (_, Score::Infinity) => Score::Infinity,
            (Score::Value(a), Score::Value(b)) => Score::from_int(a.saturating_add(b)),
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Score::NegInfinity => f.write_str("-INFINITY"),
            Score::Value(v) => write!(f, "{v}"),
            Score::Infinity => f.write_str("INFINITY"),
        }
    }
}

impl JsonSchema for Score {
    fn schema_name() -> Cow<'static, str> {
        "Score".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A score: an integer, or INFINITY / -INFINITY.",
            "anyOf": [
                { "type": "integer" },
                { "type": "string", "enum": ["INFINITY", "+INFINITY", "-INFINITY"] }
            ]
        })
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Score::Value(v) => s.serialize_i64(*v),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Score;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or INFINITY / -INFINITY")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Score, E> {
                Ok(Score::from_int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Score, E> {
                Ok(Score::from_int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Score, E> {
                Score::parse(v).ok_or_else(|| E::custom(format!("`{v}` is not a score")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A reference to a secret that lives on the node, never in git.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum SecretRef {
    /// A file on the node whose content (without a trailing newline) is the secret.
    File(String),
    /// An environment variable of the agent process.
    Env(String),
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::File(p) => write!(f, "file {p}"),
            SecretRef::Env(v) => write!(f, "environment variable {v}"),
        }
    }
}

/// The value of an agent parameter: text, or a reference to a secret on the node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A plain value, kept as written (`24`, `192.168.1.100`, `/etc/my.cnf`).
    Text(String),
    /// A secret resolved on the node at run time.
    Secret(SecretRef),
}

impl JsonSchema for ParamValue {
    fn schema_name() -> Cow<'static, str> {
        "ParamValue".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let secret = generator.subschema_for::<SecretRef>();
        json_schema!({
            "description": "A parameter value as text, or a secret reference: `{ file: /path/on/node }` or `{ env: VARIABLE }`.",
            "anyOf": [
                { "type": ["string", "integer", "number", "boolean"], "x-quorate-scalar-text": true },
                secret
            ]
        })
    }
}

/// One item or a list of them (`ops: { monitor: {...} }` or `monitor: [{...}, {...}]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single item.
    One(T),
    /// Several items.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The items as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(t) => std::slice::from_ref(t),
            OneOrMany::Many(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_pacemaker_units() {
        assert_eq!(Duration::parse("30s").map(|d| d.ms), Some(30_000));
        assert_eq!(Duration::parse("30").map(|d| d.ms), Some(30_000));
        assert_eq!(Duration::parse("500ms").map(|d| d.ms), Some(500));
        assert_eq!(Duration::parse("2min").map(|d| d.ms), Some(120_000));
        assert_eq!(Duration::parse("1h").map(|d| d.ms), Some(3_600_000));
        assert_eq!(Duration::parse("10x"), None);
        assert_eq!(Duration::parse("s"), None);
        let re = regex::Regex::new(DURATION_PATTERN).expect("pattern compiles");
        for ok in ["30s", "30", "500ms", "2min", "1h"] {
            assert!(re.is_match(ok), "{ok}");
        }
        assert!(!re.is_match("10x"));
    }

    #[test]
    fn scores_clamp_and_add_like_pacemaker() {
        assert_eq!(Score::parse("INFINITY"), Some(Score::Infinity));
        assert_eq!(Score::parse("-INFINITY"), Some(Score::NegInfinity));
        assert_eq!(Score::parse("2000000"), Some(Score::Infinity));
        assert_eq!(Score::parse("100"), Some(Score::Value(100)));
        assert_eq!(Score::Infinity + Score::NegInfinity, Score::NegInfinity);
        assert_eq!(Score::Value(999_999) + Score::Value(5), Score::Infinity);
    }
}
