//! The targets of `cargo xtask bench client` (issue 22), judged on one run: for every scenario
//! and every peer, each target figure's median per-round ratio, a distribution-free confidence
//! interval of that median, and whether the target was met, missed, or missed within the spread
//! of the rounds (the interval holds the target: the run cannot tell the two clients apart);
//! then the RSS after the watches against each Rust peer's.

use super::client_report::{median_of_sorted, ratios, Row};

/// The confidence the interval of a median aims for.
const CONFIDENCE: f64 = 0.95;

/// One target: the figure, how it is read from a row, the ratio it must stay at or below
/// (`at_most`) or at or above, and whether it applies at a fixed rate (where every client has
/// the same throughput by construction).
struct Target {
    figure: &'static str,
    value: fn(&Row) -> f64,
    bound: f64,
    at_most: bool,
    fixed_rate_too: bool,
}

const TARGETS: [Target; 4] = [
    Target {
        figure: "throughput",
        value: |r| r.ops_per_s,
        bound: 1.0,
        at_most: false,
        fixed_rate_too: false,
    },
    Target {
        figure: "client CPU/op",
        value: |r| r.cpu,
        bound: 0.8,
        at_most: true,
        fixed_rate_too: true,
    },
    Target {
        figure: "server CPU/op",
        value: |r| r.server_cpu,
        bound: 1.0,
        at_most: true,
        fixed_rate_too: true,
    },
    Target {
        figure: "p99",
        value: |r| r.p99,
        bound: 1.0,
        at_most: true,
        fixed_rate_too: true,
    },
];

/// The confidence interval of the median of `n` samples from their order statistics: the
/// `k`-th smallest and the `k`-th largest hold the true median with probability
/// `1 - 2 P(Binomial(n, 1/2) < k)`, whatever the distribution. Returns the largest `k` (1-based)
/// whose coverage reaches [`CONFIDENCE`], or 1 when none does (few rounds), with its coverage.
fn median_interval_rank(n: usize) -> (usize, f64) {
    let coverage = |k: usize| {
        let below: f64 = (0..k).map(|i| binomial_half(n, i)).sum();
        1.0 - 2.0 * below
    };
    let mut k = 1;
    while k < n.div_ceil(2) && coverage(k + 1) >= CONFIDENCE {
        k += 1;
    }
    (k, coverage(k))
}

/// `P(Binomial(n, 1/2) = i)`.
fn binomial_half(n: usize, i: usize) -> f64 {
    let mut choose = 1.0;
    for j in 0..i {
        choose = choose * (n - j) as f64 / (j + 1) as f64;
    }
    choose / 2f64.powi(n as i32)
}

/// How a target came out (in the order the summary counts them).
#[derive(Debug, PartialEq, Clone, Copy)]
enum Verdict {
    Met,
    /// The median misses, but the interval holds the bound.
    WithinSpread,
    /// The median misses and so does the interval, but the interval falls short of
    /// [`CONFIDENCE`] (too few rounds to call it).
    TooFewRounds,
    Missed,
}

impl Verdict {
    /// The verdict as the table says it.
    fn word(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::WithinSpread => "missed, within the spread",
            Verdict::TooFewRounds => "missed, too few rounds to tell",
            Verdict::Missed => "**missed**",
        }
    }
}

/// The verdict on `median` against `bound`, given the interval `(low, high)` and its coverage.
fn verdict(
    median: f64,
    (low, high): (f64, f64),
    coverage: f64,
    bound: f64,
    at_most: bool,
) -> Verdict {
    let met = if at_most {
        median <= bound
    } else {
        median >= bound
    };
    let spans = low <= bound && bound <= high;
    match (met, spans) {
        (true, _) => Verdict::Met,
        (false, true) => Verdict::WithinSpread,
        (false, false) if coverage < CONFIDENCE => Verdict::TooFewRounds,
        (false, false) => Verdict::Missed,
    }
}

/// One measured scenario, as the targets table needs it.
pub(crate) struct Measured {
    pub(crate) name: &'static str,
    pub(crate) fixed_rate: bool,
    /// Each client's label and rows by round.
    pub(crate) results: Vec<(String, Vec<Row>)>,
}

/// Whether `label` is a peer (not zk-client itself, an earlier build of it, or a floor).
fn is_peer(label: &str, ours: &str) -> bool {
    label != ours && label != "baseline" && !label.starts_with("floor-")
}

/// The Markdown table of every target for every scenario and peer, then the memory target
/// (`memory`: RSS in MiB by client after registering `watches` watches, one measurement each,
/// so no interval), with a count of each verdict.
pub(crate) fn targets_table(
    ours: &str,
    scenarios: &[Measured],
    watches: usize,
    memory: &[(String, f64)],
) -> String {
    let mut out = String::from(
        "| scenario | peer | figure | target | median | interval | verdict |\n\
         |---|---|---|--:|--:|--:|---|\n",
    );
    // By verdict, in `Verdict`'s order.
    let mut counts = [0usize; 4];
    let mut lowest_coverage = f64::NAN;
    for sc in scenarios {
        let Some((_, mine)) = sc.results.iter().find(|(l, _)| l == ours) else {
            continue;
        };
        for (peer, theirs) in sc.results.iter().filter(|(l, _)| is_peer(l, ours)) {
            for t in TARGETS
                .iter()
                .filter(|t| t.fixed_rate_too || !sc.fixed_rate)
            {
                let (_, mut rounds) = ratios(mine, theirs, t.value);
                rounds.retain(|r| !r.is_nan());
                if rounds.is_empty() {
                    continue;
                }
                rounds.sort_by(f64::total_cmp);
                let median = median_of_sorted(&rounds);
                let (k, coverage) = median_interval_rank(rounds.len());
                let (low, high) = (rounds[k - 1], rounds[rounds.len() - k]);
                lowest_coverage = lowest_coverage.min(coverage);
                let v = verdict(median, (low, high), coverage, t.bound, t.at_most);
                counts[v as usize] += 1;
                let sign = if t.at_most { "≤" } else { "≥" };
                out.push_str(&format!(
                    "| {} | {peer} | {} | {sign} {:.2}x | {median:.2}x | {low:.2}-{high:.2} | {} |\n",
                    sc.name,
                    t.figure,
                    t.bound,
                    v.word(),
                ));
            }
        }
    }
    let mine = memory.iter().find(|(l, _)| l == ours).map(|(_, mib)| *mib);
    for (peer, theirs) in memory.iter().filter(|(l, _)| is_peer(l, ours)) {
        let Some(mine) = mine else { break };
        let ratio = mine / theirs;
        let v = if ratio <= 1.0 {
            Verdict::Met
        } else {
            Verdict::Missed
        };
        counts[v as usize] += 1;
        out.push_str(&format!(
            "| watches | {peer} | RSS after {watches} watches | ≤ 1.00x | {ratio:.2}x | {mine:.1} \
             / {theirs:.1} MiB | {} |\n",
            v.word()
        ));
    }
    let [met, spread, undecided, missed] = counts;
    out.push_str(&format!(
        "\n{met} met, {spread} missed within the spread of the rounds, {undecided} missed with \
         too few rounds to tell, {missed} missed. The interval: order statistics of the \
         per-round ratios that hold the true median with at least {:.1}% confidence \
         (distribution-free; {:.0}% takes 6 rounds or more); \"within the spread\" means it \
         holds the target, so this run cannot tell the clients apart on that figure.\n",
        lowest_coverage * 100.0,
        CONFIDENCE * 100.0
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_rank_follows_the_binomial() {
        // 7 rounds: the extremes, 1 - 2/128.
        let (k, c) = median_interval_rank(7);
        assert_eq!(k, 1);
        assert!((c - 0.984375).abs() < 1e-9, "{c}");
        // 15 rounds: the 4th from each end, 1 - 2 * 576/32768.
        let (k, c) = median_interval_rank(15);
        assert_eq!(k, 4);
        assert!((c - (1.0 - 2.0 * 576.0 / 32768.0)).abs() < 1e-9, "{c}");
        // Too few rounds for 95%: the extremes, with what they give.
        assert_eq!(median_interval_rank(3), (1, 0.75));
        assert_eq!(median_interval_rank(1).0, 1);
    }

    #[test]
    fn verdicts() {
        let sure = 0.98;
        assert_eq!(verdict(0.9, (0.8, 1.1), sure, 1.0, true), Verdict::Met);
        assert_eq!(
            verdict(1.05, (0.8, 1.1), sure, 1.0, true),
            Verdict::WithinSpread
        );
        assert_eq!(verdict(1.05, (1.01, 1.1), sure, 1.0, true), Verdict::Missed);
        assert_eq!(
            verdict(1.05, (1.01, 1.1), 0.5, 1.0, true),
            Verdict::TooFewRounds
        );
        assert_eq!(
            verdict(0.95, (0.9, 1.2), sure, 1.0, false),
            Verdict::WithinSpread
        );
        assert_eq!(verdict(1.2, (0.9, 1.3), sure, 1.0, false), Verdict::Met);
    }

    fn row(client: &str, ops: f64, p99: f64) -> Row {
        let line = format!("{client}\t1\t{ops}\t10\t{p99}\t30\t1\t50\t0");
        super::super::client_report::parse_row(&line).unwrap()
    }

    #[test]
    fn the_table_judges_every_peer_but_not_floors() {
        let results = vec![
            (
                "zk-client".to_owned(),
                vec![row("zk-client", 110.0, 10.0), row("zk-client", 120.0, 12.0)],
            ),
            (
                "peer".to_owned(),
                vec![row("peer", 100.0, 9.0), row("peer", 100.0, 13.0)],
            ),
            (
                "floor-blocking".to_owned(),
                vec![
                    row("floor-blocking", 1.0, 1.0),
                    row("floor-blocking", 1.0, 1.0),
                ],
            ),
        ];
        let memory = [
            ("zk-client".to_owned(), 25.0),
            ("peer".to_owned(), 50.0),
            ("baseline".to_owned(), 20.0),
        ];
        let table = targets_table(
            "zk-client",
            &[Measured {
                name: "s",
                fixed_rate: false,
                results,
            }],
            100_000,
            &memory,
        );
        assert!(
            table.contains(
                "| watches | peer | RSS after 100000 watches | ≤ 1.00x | 0.50x | 25.0 / 50.0 MiB | met |"
            ),
            "{table}"
        );
        assert!(!table.contains("baseline"), "{table}");
        assert!(!table.contains("floor-"), "{table}");
        assert!(
            table.contains("| s | peer | throughput | ≥ 1.00x | 1.15x |"),
            "{table}"
        );
        // Client CPU 1.0x against a bound of 0.8x in both rounds: a miss, which two rounds
        // cannot make certain.
        assert!(
            table.contains(
                "| client CPU/op | ≤ 0.80x | 1.00x | 1.00-1.00 | missed, too few rounds to tell |"
            ),
            "{table}"
        );
        // p99 rounds 1.11 and 0.92: median 1.02, within the spread.
        assert!(
            table.contains("| p99 | ≤ 1.00x | 1.02x | 0.92-1.11 | missed, within the spread |"),
            "{table}"
        );
        assert!(
            table.contains(
                "3 met, 1 missed within the spread of the rounds, 1 missed with too few rounds \
                 to tell, 0 missed"
            ),
            "{table}"
        );
    }
}
