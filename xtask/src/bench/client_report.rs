//! The rows of `cargo xtask bench client`: parsing a harness's TSV row, each client's median
//! round, and zk-client's per-round ratios against every other client with their median.

use super::machine::Shares;

/// A measured row: the tab-separated fields of a harness's last line.
#[derive(Clone)]
pub(crate) struct Row {
    pub(crate) client: String,
    pub(crate) ops_per_s: f64,
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    pub(crate) p999: f64,
    pub(crate) cpu: f64,
    pub(crate) server_cpu: f64,
    pub(crate) errors: String,
    /// The machine's CPU over the run (set by the runner, not the harness).
    pub(crate) machine: Shares,
    /// The server's thread switches per operation, warm-up included (set by the runner).
    pub(crate) server_switches: f64,
}

/// Parses the last line of a harness's output (`zk-bench --tsv`'s row).
pub(crate) fn parse_row(stdout: &str) -> Result<Row, String> {
    let line = stdout
        .lines()
        .last()
        .ok_or_else(|| format!("no result row in {stdout:?}"))?;
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 9 {
        return Err(format!(
            "bad result row {line:?}: expected 9 tab-separated fields"
        ));
    }
    let n = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
    Ok(Row {
        client: f[0].to_owned(),
        ops_per_s: n(2),
        p50: n(3),
        p99: n(4),
        p999: n(5),
        cpu: n(6),
        server_cpu: n(7),
        errors: f[8].to_owned(),
        machine: Shares::default(),
        server_switches: f64::NAN,
    })
}

/// The median round: by throughput in closed loop, by p99 at a fixed rate (where every round
/// has the same throughput).
pub(crate) fn median_round(rows: &[Row], fixed_rate: bool) -> Option<Row> {
    let mut rows = rows.to_vec();
    if fixed_rate {
        rows.sort_by(|a, b| a.p99.total_cmp(&b.p99));
    } else {
        rows.sort_by(|a, b| a.ops_per_s.total_cmp(&b.ops_per_s));
    }
    rows.get(rows.len() / 2).cloned()
}

/// A figure compared between clients: its name and how it is read from a row.
type Figure = (&'static str, fn(&Row) -> f64);

/// The figures compared between clients.
pub(crate) const FIGURES: [Figure; 6] = [
    ("throughput", |r| r.ops_per_s),
    ("client CPU/op", |r| r.cpu),
    ("server CPU/op", |r| r.server_cpu),
    ("server switches/op", |r| r.server_switches),
    ("p50", |r| r.p50),
    ("p99", |r| r.p99),
];

/// `ours / theirs` for each round both ran (both measured minutes apart at most), and the
/// median of those ratios.
pub(crate) fn ratios(ours: &[Row], theirs: &[Row], f: fn(&Row) -> f64) -> (f64, Vec<f64>) {
    let per_round: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| f(a) / f(b)).collect();
    let mut sorted = per_round.clone();
    sorted.sort_by(f64::total_cmp);
    (median_of_sorted(&sorted), per_round)
}

/// The median of sorted values (NaN for none).
pub(crate) fn median_of_sorted(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The Markdown table of one scenario's median rounds. `server cores` and `client cores` are
/// the CPU each side used (CPU per operation times throughput): with the steal and the idle
/// share of the machine's 2 CPUs they say whether the run was bound by the server's CPU, by
/// the machine's, or by neither (latency-bound).
pub(crate) fn median_table(name: &str, rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | client | ops/s | p50 µs | p99 µs | p99.9 µs | client CPU µs/op | \
         server CPU µs/op | server switches/op | server cores | client cores | steal % | idle % | \
         errors |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} | \
             {:.2} | {:.0} | {:.0} | {} |\n",
            r.client,
            r.ops_per_s,
            r.p50,
            r.p99,
            r.p999,
            r.cpu,
            r.server_cpu,
            r.server_switches,
            r.server_cpu * r.ops_per_s / 1e6,
            r.cpu * r.ops_per_s / 1e6,
            r.machine.steal,
            r.machine.idle,
            r.errors
        ));
    }
    out
}

/// The Markdown table of `ours`'s ratios against each other client: the median of the
/// per-round ratios, the rounds' own ratios in brackets.
pub(crate) fn ratio_table(ours: &str, results: &[(String, Vec<Row>)]) -> String {
    let Some((_, mine)) = results.iter().find(|(l, _)| l == ours) else {
        return String::new();
    };
    let mut out = format!("| {ours} / | ");
    out.push_str(
        &FIGURES
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" | "),
    );
    out.push_str(" |\n|---|");
    out.push_str(&"--:|".repeat(FIGURES.len()));
    out.push('\n');
    for (label, theirs) in results.iter().filter(|(l, _)| l != ours) {
        out.push_str(&format!("| {label} |"));
        for (_, f) in FIGURES {
            let (median, rounds) = ratios(mine, theirs, f);
            let rounds: Vec<String> = rounds.iter().map(|r| format!("{r:.2}")).collect();
            out.push_str(&format!(" {median:.2}x ({}) |", rounds.join(", ")));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(client: &str, ops: f64, cpu: f64) -> Row {
        let line = format!("{client}\t1\t{ops}\t10\t20\t30\t{cpu}\t50\t0");
        parse_row(&format!("header\n{line}")).unwrap()
    }

    #[test]
    fn ratios_are_per_round_then_median() {
        let ours = [
            row("a", 100.0, 1.0),
            row("a", 300.0, 1.0),
            row("a", 200.0, 1.0),
        ];
        let theirs = [
            row("b", 100.0, 2.0),
            row("b", 100.0, 4.0),
            row("b", 400.0, 1.0),
        ];
        let (m, rounds) = ratios(&ours, &theirs, |r| r.ops_per_s);
        assert_eq!(rounds, vec![1.0, 3.0, 0.5]);
        assert_eq!(m, 1.0);
        let (m, _) = ratios(&ours[..2], &theirs[..2], |r| r.cpu);
        assert_eq!(m, 0.375);
        let results = vec![
            ("a".to_owned(), ours.to_vec()),
            ("b".to_owned(), theirs.to_vec()),
        ];
        let table = ratio_table("a", &results);
        assert!(
            table.contains("| b | 1.00x (1.00, 3.00, 0.50) |"),
            "{table}"
        );
        assert_eq!(median_round(&ours, false).unwrap().ops_per_s, 200.0);
    }

    #[test]
    fn a_short_row_is_an_error() {
        let e = parse_row("a\tb").err().unwrap();
        assert!(e.contains("expected 9"), "{e}");
    }
}
