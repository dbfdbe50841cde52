//! The operation mix (`--mix get=80,set=10,...` or a preset), a small deterministic PRNG to
//! draw from it, and duration parsing.

use std::time::Duration;

/// One kind of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `getData` of a random key.
    Get,
    /// `setData` of a random key.
    Set,
    /// `create` of a new node under `/zk-bench/c`.
    Create,
    /// `delete` of a node this run created (a create when there is none yet).
    Delete,
    /// `exists` of a random key.
    Exists,
    /// Watch churn: `getData` with a one-shot watch on a random key, `setData` of that key,
    /// then the notification; timed as one operation.
    Watch,
    /// `getChildren` of the keys' parent (`--keys` children).
    Children,
}

impl OpKind {
    const ALL: [(&'static str, OpKind); 7] = [
        ("get", OpKind::Get),
        ("set", OpKind::Set),
        ("create", OpKind::Create),
        ("delete", OpKind::Delete),
        ("exists", OpKind::Exists),
        ("watch", OpKind::Watch),
        ("children", OpKind::Children),
    ];
}

/// Named mixes for `--mix`.
pub const PRESETS: &[(&str, &str)] = &[
    ("read", "get=100"),
    ("write", "set=100"),
    ("mixed", "get=80,set=10,create=5,delete=5"),
    ("churn", "create=50,delete=50"),
    ("watch", "watch=100"),
    ("children", "children=100"),
];

/// A weighted mix of operations.
#[derive(Debug, Clone)]
pub struct Mix {
    /// Cumulative weights.
    table: Vec<(u32, OpKind)>,
    total: u32,
}

impl Mix {
    /// Parses `get=80,set=20` or a preset name.
    pub fn parse(spec: &str) -> Result<Mix, String> {
        let spec = PRESETS
            .iter()
            .find(|(name, _)| *name == spec)
            .map_or(spec, |(_, s)| s);
        let mut table = Vec::new();
        let mut total = 0u32;
        for part in spec.split(',').filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once('=').unwrap_or((part, "1"));
            let kind = OpKind::ALL
                .iter()
                .find(|(n, _)| *n == name.trim())
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    format!(
                        "unknown operation `{name}` in --mix (operations: get, set, create, \
                         delete, exists, watch, children; presets: read, write, mixed, churn, \
                         watch, children)"
                    )
                })?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("bad weight `{weight}` for `{name}` in --mix"))?;
            if weight > 0 {
                total = total
                    .checked_add(weight)
                    .ok_or("--mix weights are too large")?;
                table.push((total, kind));
            }
        }
        if total == 0 {
            return Err(format!("--mix `{spec}` has no operation with a weight"));
        }
        Ok(Mix { table, total })
    }

    /// Draws an operation.
    pub fn pick(&self, rng: &mut Rng) -> OpKind {
        let r = (rng.next_u64() % u64::from(self.total)) as u32;
        self.table
            .iter()
            .find(|(upto, _)| r < *upto)
            .map_or(OpKind::Get, |(_, k)| *k)
    }
}

/// xorshift64*: fast, deterministic per worker.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// Parses `10s`, `500ms`, `2m` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((s, ""), |i| s.split_at(i));
    let v: f64 = num
        .parse()
        .map_err(|_| format!("bad duration `{s}` (e.g. 10s, 500ms, 2m)"))?;
    let secs = match unit {
        "" | "s" => v,
        "ms" => v / 1000.0,
        "m" | "min" => v * 60.0,
        _ => return Err(format!("bad duration unit in `{s}` (ms, s, m)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("bad duration `{s}`"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes() {
        let m = Mix::parse("get=80,set=10,create=5,delete=5").unwrap();
        let mut rng = Rng::new(7);
        let mut gets = 0;
        for _ in 0..10_000 {
            if m.pick(&mut rng) == OpKind::Get {
                gets += 1;
            }
        }
        assert!((7_500..8_500).contains(&gets), "{gets}");
        assert_eq!(Mix::parse("mixed").unwrap().total, 100);
        assert_eq!(Mix::parse("read").unwrap().pick(&mut rng), OpKind::Get);
        assert!(Mix::parse("get=0").is_err());
        assert!(Mix::parse("put=1").is_err());
        assert!(Mix::parse("get=x").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("").is_err());
    }
}
