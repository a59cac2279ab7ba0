import Foundation

/// The verdict of one metric, or of all the metric gates of a wave.
public enum MetricOutcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// No regression beyond the tolerance.
    case pass
    /// A significant regression beyond the tolerance.
    case fail
    /// Not enough data to tell.
    case inconclusive

    public var description: String { rawValue }
}

/// A metric gate: a PromQL query run for the wave's hosts (the canary) and for a baseline group
/// over the bake period, and the rule that compares the two samples, as Kayenta's
/// Mann-Whitney judge does.
///
/// ## The comparison (`judge(baseline:canary:)`)
/// 1. NaN and ±infinite values are dropped (Prometheus answers NaN for 0/0, and an infinity has
///    no median or shift). If either side then has fewer than `minimumSamples` values — NaN-only
///    data included — the metric is **inconclusive**.
/// 2. The two-sided Mann-Whitney U test (`MannWhitneyU`) gives the p-value, and the
///    Hodges-Lehmann estimate gives the shift canary − baseline.
/// 3. The tolerance band is `tolerance.band(baselineMedian:)`: a fraction of |baseline median| for
///    `.relative` (so a zero baseline median makes the band zero), the value itself for `.absolute`.
/// 4. The metric **fails** when the difference is significant (p < `alpha`) *and* the shift goes
///    the bad way beyond the band: shift > band for `.increase`, shift < −band for `.decrease`,
///    |shift| > band for `.either`. A shift exactly at the band passes.
/// 5. Otherwise it **passes**: no significant difference, a significant one within the band, or a
///    significant one the good way (an improvement).
///
/// `critical` metrics fail the whole gate on their own (see `MetricGateResult.combine(_:)`).
public struct MetricGate: Sendable, Hashable {
    /// Which way a change of the metric is bad.
    public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
        /// Higher is worse (latency, error rate, memory).
        case increase
        /// Lower is worse (throughput, success rate, cache hit ratio).
        case decrease
        /// Any change is suspect.
        case either
    }

    /// How large a shift is tolerated before a significant one counts as a regression.
    public enum Tolerance: Sendable, Hashable {
        /// A fraction of the magnitude of the baseline median (0.1 = 10 %).
        case relative(Double)
        /// A shift in the metric's own unit.
        case absolute(Double)

        /// The half-width of the band, never negative: `fraction · |baselineMedian|` or the
        /// absolute value.
        public func band(baselineMedian: Double) -> Double {
            switch self {
            case .relative(let fraction): fraction * abs(baselineMedian)
            case .absolute(let value): value
            }
        }
    }

    /// The placeholder in `query` that `query(hosts:)` replaces.
    public static let hostsPlaceholder = "{{hosts}}"

    /// The metric's name, as the verdict reports it (e.g. `http_p99_latency`).
    public var name: String
    /// The PromQL template, with `{{hosts}}` inside a regex matcher's double- or single-quoted
    /// string, e.g. `histogram_quantile(0.99, sum by (le) (rate(http_duration_bucket{instance=~"{{hosts}}"}[1m])))`.
    public var query: String
    /// Which way is bad.
    public var direction: Direction
    /// The tolerance band around no change.
    public var tolerance: Tolerance
    /// Whether a failure of this metric alone fails the gate.
    public var critical: Bool
    /// The fewest finite values each side needs for a verdict (default 10: the normal
    /// approximation of the test is poor below that).
    public var minimumSamples: Int
    /// The significance level (default 0.05).
    public var alpha: Double

    /// Creates a gate.
    /// - Throws: `RolloutEngineError` `.invalid` for an empty name, a query without `{{hosts}}`,
    ///   a negative or non-finite tolerance, `minimumSamples` below 1 or `alpha` outside (0, 1).
    public init(
        name: String,
        query: String,
        direction: Direction,
        tolerance: Tolerance,
        critical: Bool = false,
        minimumSamples: Int = 10,
        alpha: Double = 0.05
    ) throws {
        self.name = name
        self.query = query
        self.direction = direction
        self.tolerance = tolerance
        self.critical = critical
        self.minimumSamples = minimumSamples
        self.alpha = alpha
        try validate()
    }

    /// Checks the definition (see `init`).
    public func validate() throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RolloutEngineError(.invalid, field: "name", "a metric gate needs a name")
        }
        guard query.contains(Self.hostsPlaceholder) else {
            throw RolloutEngineError(
                .invalid,
                field: "\(name).query",
                "the query has no \(Self.hostsPlaceholder) placeholder, so it cannot select the wave's hosts"
            )
        }
        let toleranceValue: Double
        switch tolerance {
        case .relative(let value): toleranceValue = value
        case .absolute(let value): toleranceValue = value
        }
        guard toleranceValue.isFinite, toleranceValue >= 0 else {
            throw RolloutEngineError(
                .invalid,
                field: "\(name).tolerance",
                "\(toleranceValue) is not a finite value ≥ 0"
            )
        }
        guard minimumSamples >= 1 else {
            throw RolloutEngineError(.invalid, field: "\(name).minimumSamples", "\(minimumSamples) is below 1")
        }
        guard alpha > 0, alpha < 1 else {
            throw RolloutEngineError(.invalid, field: "\(name).alpha", "\(alpha) is not in (0, 1)")
        }
    }

    /// The query for these hosts: every `{{hosts}}` replaced by a regex alternation of them.
    ///
    /// The exact substitution, for hosts h₁ … hₖ (in the order given, duplicates removed):
    /// 1. in each host, every RE2 metacharacter `\ . + * ? ( ) | [ ] { } ^ $` gets a backslash
    ///    in front (as Go's `regexp.QuoteMeta`), so `web-1.example.com:9100` matches itself only;
    /// 2. the escaped hosts are joined with `|`;
    /// 3. each backslash is doubled, because the result lands inside a PromQL string literal,
    ///    where `\\` stands for one backslash: `web-1\\.example\\.com:9100|db\\.internal`.
    ///
    /// Prometheus anchors regex matchers (`=~"a|b"` means `^(?:a|b)$`), so the alternation matches
    /// exactly the given names. The placeholder must sit in a `"…"` or `'…'` string, not in a raw
    /// `` `…` `` one (where the doubled backslashes would be taken literally).
    ///
    /// - Throws: `RolloutEngineError` `.invalid` when `hosts` is empty or a host is empty or holds
    ///   a quote, a backtick, a backslash or a control character (none of which a host name or an
    ///   instance label has; they could break out of the string literal).
    public func query(hosts: [String]) throws -> String {
        guard !hosts.isEmpty else {
            throw RolloutEngineError(.invalid, field: "\(name).hosts", "no hosts to select")
        }
        var seen: Set<String> = []
        var alternatives: [String] = []
        for host in hosts where seen.insert(host).inserted {
            guard !host.isEmpty else {
                throw RolloutEngineError(.invalid, field: "\(name).hosts", "a host name is empty")
            }
            if let bad = host.unicodeScalars.first(where: {
                "\"'`\\".unicodeScalars.contains($0) || $0.value < 0x20 || $0.value == 0x7F
            }) {
                throw RolloutEngineError(
                    .invalid,
                    field: "\(name).hosts",
                    "host '\(host)' holds \(bad.escaped(asASCII: true)), which cannot go into a PromQL matcher"
                )
            }
            alternatives.append(Self.promQLQuotedRegex(host))
        }
        return query.replacingOccurrences(of: Self.hostsPlaceholder, with: alternatives.joined(separator: "|"))
    }

    /// `text` as a regex matching itself, written for a PromQL string literal (steps 1 and 3 of
    /// `query(hosts:)`).
    static func promQLQuotedRegex(_ text: String) -> String {
        let metacharacters: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
        var result = ""
        for character in text {
            if metacharacters.contains(character) {
                result += #"\\"#  // the regex's backslash, itself escaped for the string literal
            }
            result.append(character)
        }
        return result
    }

    /// Compares the canary's values with the baseline's (see the type's documentation for the rule).
    public func judge(baseline: [Double], canary: [Double]) -> MetricJudgement {
        let baselineValues = baseline.filter(\.isFinite)
        let canaryValues = canary.filter(\.isFinite)
        var judgement = MetricJudgement(
            metric: name,
            critical: critical,
            outcome: .inconclusive,
            reason: "",
            baselineCount: baselineValues.count,
            canaryCount: canaryValues.count
        )
        let needed = max(1, minimumSamples)
        let short = [("baseline", baseline.count, baselineValues.count), ("canary", canary.count, canaryValues.count)]
            .filter { $0.2 < needed }
        if !short.isEmpty {
            let parts = short.map { side, total, usable in
                let dropped = total - usable
                let note = dropped > 0 ? " (\(dropped) NaN or infinite dropped)" : ""
                return "the \(side) has \(usable) usable sample\(usable == 1 ? "" : "s")\(note)"
            }
            judgement.reason =
                "\(name): inconclusive: \(parts.joined(separator: " and ")), fewer than the minimum \(needed)"
            return judgement
        }

        // Both sides are non-empty and finite: neither call can throw.
        guard let test = try? MannWhitneyU(canaryValues, baselineValues),
            let shift = try? MannWhitneyU.hodgesLehmannShift(canaryValues, baselineValues),
            let baselineMedian = MannWhitneyU.median(baselineValues),
            let canaryMedian = MannWhitneyU.median(canaryValues)
        else {
            judgement.reason = "\(name): inconclusive: the samples cannot be compared"
            return judgement
        }
        let band = tolerance.band(baselineMedian: baselineMedian)
        judgement.baselineMedian = baselineMedian
        judgement.canaryMedian = canaryMedian
        judgement.shift = shift
        judgement.pValue = test.pValue
        judgement.u = test.u
        judgement.band = band

        let significant = test.pValue < alpha
        let beyond: Bool
        switch direction {
        case .increase: beyond = shift > band
        case .decrease: beyond = shift < -band
        case .either: beyond = abs(shift) > band
        }
        let summary =
            "canary median \(Self.format(canaryMedian)) vs baseline median \(Self.format(baselineMedian)), "
            + "shift \(Self.signed(shift)) (Hodges-Lehmann, \(canaryValues.count) vs \(baselineValues.count) samples), "
            + "p = \(Self.format(test.pValue, digits: 3))"
        let bandText = "tolerance ±\(Self.format(band))\(toleranceNote)"
        if significant && beyond {
            judgement.outcome = .fail
            judgement.reason =
                "\(name): fail: \(summary) < α \(Self.format(alpha)), \(bandText) exceeded "
                + "in the bad direction (\(direction.rawValue))"
        } else {
            judgement.outcome = .pass
            let why: String
            if !significant {
                why = "≥ α \(Self.format(alpha)): no significant difference"
            } else if Self.isGoodWay(shift, direction: direction) && abs(shift) > band {
                why = "< α \(Self.format(alpha)), but the shift is in the good direction"
            } else {
                why = "< α \(Self.format(alpha)), but within the \(bandText)"
            }
            judgement.reason = "\(name): pass: \(summary) \(why)"
        }
        return judgement
    }

    private var toleranceNote: String {
        switch tolerance {
        case .relative(let fraction): " (\(Self.format(fraction * 100))% of the baseline median)"
        case .absolute: " (absolute)"
        }
    }

    private static func isGoodWay(_ shift: Double, direction: Direction) -> Bool {
        switch direction {
        case .increase: shift < 0
        case .decrease: shift > 0
        case .either: false
        }
    }

    static func format(_ value: Double, digits: Int = 4) -> String {
        String(format: "%.\(digits)g", value)
    }

    private static func signed(_ value: Double) -> String {
        value > 0 ? "+" + format(value) : format(value)
    }
}

/// The verdict of one metric gate on one wave.
public struct MetricJudgement: Sendable, Hashable {
    /// The gate's name.
    public var metric: String
    /// Whether the gate is critical.
    public var critical: Bool
    /// Pass, fail or inconclusive.
    public var outcome: MetricOutcome
    /// Why, in words: the medians, the shift, the p-value and the tolerance.
    public var reason: String
    /// The baseline's finite values counted.
    public var baselineCount: Int
    /// The canary's finite values counted.
    public var canaryCount: Int
    /// The baseline median, when compared.
    public var baselineMedian: Double?
    /// The canary median, when compared.
    public var canaryMedian: Double?
    /// The Hodges-Lehmann shift canary − baseline, when compared.
    public var shift: Double?
    /// The two-sided Mann-Whitney p-value, when compared.
    public var pValue: Double?
    /// The canary's U statistic, when compared.
    public var u: Double?
    /// The half-width of the tolerance band, when compared.
    public var band: Double?

    /// Creates a judgement (the gate makes them; tests and other judges may too).
    public init(
        metric: String,
        critical: Bool,
        outcome: MetricOutcome,
        reason: String,
        baselineCount: Int = 0,
        canaryCount: Int = 0,
        baselineMedian: Double? = nil,
        canaryMedian: Double? = nil,
        shift: Double? = nil,
        pValue: Double? = nil,
        u: Double? = nil,
        band: Double? = nil
    ) {
        self.metric = metric
        self.critical = critical
        self.outcome = outcome
        self.reason = reason
        self.baselineCount = baselineCount
        self.canaryCount = canaryCount
        self.baselineMedian = baselineMedian
        self.canaryMedian = canaryMedian
        self.shift = shift
        self.pValue = pValue
        self.u = u
        self.band = band
    }
}

/// The verdict of all the metric gates of a wave.
public struct MetricGateResult: Sendable, Hashable {
    /// The overall outcome.
    public var outcome: MetricOutcome
    /// Why, in words.
    public var reason: String
    /// The judgements it was made from, in the order given.
    public var judgements: [MetricJudgement]

    /// Combines the judgements of a wave's gates, in this order:
    /// 1. any **critical** metric failing → **fail** ("critical metric X failed");
    /// 2. more than half of the **non-critical** metrics failing → **fail**: strictly more than
    ///    half of all non-critical metrics, inconclusive ones included in the count (2 of 3 or 3 of
    ///    4 fail; 1 of 2 does not), so one noisy metric cannot stop a rollout but a broad
    ///    regression does;
    /// 3. any metric (critical or not) inconclusive → **inconclusive**: the data cannot clear the
    ///    wave yet (typically: extend the bake period), even if a minority of metrics failed;
    /// 4. otherwise → **pass**, naming any non-critical metrics that failed without reaching
    ///    a majority.
    ///
    /// No judgements at all pass: a wave without metric gates is not held by them.
    public static func combine(_ judgements: [MetricJudgement]) -> MetricGateResult {
        let criticalFailures = judgements.filter { $0.critical && $0.outcome == .fail }.map(\.metric)
        let nonCritical = judgements.filter { !$0.critical }
        let failures = nonCritical.filter { $0.outcome == .fail }.map(\.metric)
        let inconclusive = judgements.filter { $0.outcome == .inconclusive }.map(\.metric)

        let outcome: MetricOutcome
        let reason: String
        if !criticalFailures.isEmpty {
            outcome = .fail
            reason =
                "critical metric\(criticalFailures.count == 1 ? "" : "s") \(criticalFailures.joined(separator: ", ")) failed"
        } else if 2 * failures.count > nonCritical.count {
            outcome = .fail
            reason =
                "\(failures.count) of \(nonCritical.count) non-critical metrics failed (more than half): "
                + failures.joined(separator: ", ")
        } else if !inconclusive.isEmpty {
            outcome = .inconclusive
            var text = "inconclusive: not enough data for \(inconclusive.joined(separator: ", "))"
            if !failures.isEmpty {
                text += "; \(failures.count) of \(nonCritical.count) non-critical metrics failed: "
                text += failures.joined(separator: ", ")
            }
            reason = text
        } else if judgements.isEmpty {
            outcome = .pass
            reason = "no metric gates"
        } else {
            outcome = .pass
            var text = "\(judgements.count - failures.count) of \(judgements.count) metrics passed"
            if !failures.isEmpty {
                text += "; \(failures.joined(separator: ", ")) failed, not more than half of the non-critical metrics"
            }
            reason = text
        }
        return MetricGateResult(outcome: outcome, reason: reason, judgements: judgements)
    }
}
