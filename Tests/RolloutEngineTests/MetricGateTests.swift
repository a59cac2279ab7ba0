import Foundation
import RolloutEngine
import Testing

@Suite struct MetricGateTests {
    /// 30 values from 100 to 102.9: a tight baseline with median 101.45.
    static let baseline = (0..<30).map { 100 + Double($0) / 10 }

    static func gate(
        _ direction: MetricGate.Direction = .increase,
        tolerance: MetricGate.Tolerance = .relative(0.1),
        critical: Bool = false,
        minimumSamples: Int = 10
    ) throws -> MetricGate {
        try MetricGate(
            name: "latency",
            query: #"avg by (instance) (latency{instance=~"{{hosts}}"})"#,
            direction: direction,
            tolerance: tolerance,
            critical: critical,
            minimumSamples: minimumSamples
        )
    }

    // MARK: judge

    @Test func regressionBeyondToleranceFails() throws {
        let canary = Self.baseline.map { $0 + 20 }
        let judgement = try Self.gate().judge(baseline: Self.baseline, canary: canary)
        #expect(judgement.outcome == .fail)
        #expect(judgement.shift == 20)
        #expect(try #require(judgement.pValue) < 1e-9)
        #expect(abs(try #require(judgement.band) - 10.145) < 1e-9)
        #expect(judgement.reason.hasPrefix("latency: fail: canary median 121.5 vs baseline median 101.5"))
        #expect(judgement.reason.contains("shift +20"))
        #expect(judgement.reason.contains("tolerance ±10.15 (10% of the baseline median) exceeded"))
        #expect(judgement.reason.contains("p = "))
    }

    @Test func significantShiftWithinTolerancePasses() throws {
        let canary = Self.baseline.map { $0 + 5 }
        let judgement = try Self.gate().judge(baseline: Self.baseline, canary: canary)
        #expect(try #require(judgement.pValue) < 0.05)
        #expect(judgement.outcome == .pass)
        #expect(judgement.reason.contains("within the tolerance ±10.15"))
    }

    @Test func improvementInTheGoodDirectionPasses() throws {
        let canary = Self.baseline.map { $0 - 20 }
        let judgement = try Self.gate(.increase).judge(baseline: Self.baseline, canary: canary)
        #expect(judgement.outcome == .pass)
        #expect(judgement.shift == -20)
        #expect(judgement.reason.contains("good direction"))

        let higher = Self.baseline.map { $0 + 20 }
        #expect(try Self.gate(.decrease).judge(baseline: Self.baseline, canary: higher).outcome == .pass)
    }

    @Test func decreaseIsBadForThroughput() throws {
        let canary = Self.baseline.map { $0 - 20 }
        let judgement = try Self.gate(.decrease).judge(baseline: Self.baseline, canary: canary)
        #expect(judgement.outcome == .fail)
        #expect(judgement.reason.contains("(decrease)"))
    }

    @Test(arguments: [-20.0, 20.0])
    func eitherDirectionFailsBothWays(_ offset: Double) throws {
        let canary = Self.baseline.map { $0 + offset }
        #expect(try Self.gate(.either).judge(baseline: Self.baseline, canary: canary).outcome == .fail)
    }

    @Test func largeButInsignificantShiftPasses() throws {
        // Wide noise: a median shift of 20 but p ≈ 0.6.
        let baseline: [Double] = [0, 200, 10, 190, 20, 180, 30, 170, 40, 160, 50, 150]
        let canary = baseline.map { $0 + 20 }
        let judgement = try Self.gate(tolerance: .absolute(1)).judge(baseline: baseline, canary: canary)
        #expect(try #require(judgement.pValue) > 0.05)
        #expect(judgement.outcome == .pass)
        #expect(judgement.reason.contains("no significant difference"))
    }

    @Test func absoluteTolerance() throws {
        let canary = Self.baseline.map { $0 + 5 }
        #expect(try Self.gate(tolerance: .absolute(4)).judge(baseline: Self.baseline, canary: canary).outcome == .fail)
        #expect(try Self.gate(tolerance: .absolute(5)).judge(baseline: Self.baseline, canary: canary).outcome == .pass)
        let judgement = try Self.gate(tolerance: .absolute(4)).judge(baseline: Self.baseline, canary: canary)
        #expect(judgement.reason.contains("tolerance ±4 (absolute)"))
    }

    @Test func relativeToleranceOfAZeroBaselineIsZero() throws {
        // Error counts: the baseline is all zeros, so any significant increase fails.
        let baseline = [Double](repeating: 0, count: 20)
        let canary = [Double](repeating: 0, count: 10) + [Double](repeating: 1, count: 10)
        let judgement = try Self.gate().judge(baseline: baseline, canary: canary)
        #expect(judgement.band == 0)
        #expect(judgement.outcome == .fail)
    }

    @Test func identicalSamplesPass() throws {
        let judgement = try Self.gate().judge(baseline: Self.baseline, canary: Self.baseline)
        #expect(judgement.outcome == .pass)
        #expect(judgement.pValue == 1)
        #expect(judgement.shift == 0)
    }

    @Test func tooFewSamplesAreInconclusive() throws {
        let judgement = try Self.gate().judge(baseline: Self.baseline, canary: [150, 151, 152])
        #expect(judgement.outcome == .inconclusive)
        #expect(judgement.reason == "latency: inconclusive: the canary has 3 usable samples, fewer than the minimum 10")
        #expect(judgement.pValue == nil)
        #expect(judgement.canaryCount == 3)

        let empty = try Self.gate().judge(baseline: [], canary: [])
        #expect(empty.outcome == .inconclusive)
        #expect(empty.reason.contains("the baseline has 0 usable samples and the canary has 0 usable samples"))
    }

    @Test func nanOnlyDataIsInconclusive() throws {
        let nans = [Double](repeating: .nan, count: 30)
        let judgement = try Self.gate().judge(baseline: Self.baseline, canary: nans)
        #expect(judgement.outcome == .inconclusive)
        #expect(judgement.reason.contains("the canary has 0 usable samples (30 NaN or infinite dropped)"))
    }

    @Test func nonFiniteValuesAreDropped() throws {
        let canary = Self.baseline.map { $0 + 20 } + [.nan, .infinity, -.infinity]
        let judgement = try Self.gate().judge(baseline: Self.baseline + [.nan], canary: canary)
        #expect(judgement.outcome == .fail)
        #expect(judgement.canaryCount == 30)
        #expect(judgement.baselineCount == 30)
        #expect(judgement.shift == 20)
    }

    @Test func minimumSamplesIsPerSide() throws {
        let canary = Array(Self.baseline.prefix(5)).map { $0 + 20 }
        #expect(
            try Self.gate(minimumSamples: 6).judge(baseline: Self.baseline, canary: canary).outcome == .inconclusive
        )
        #expect(try Self.gate(minimumSamples: 5).judge(baseline: Self.baseline, canary: canary).outcome == .fail)
    }

    @Test func judgementCarriesTheGatesCriticality() throws {
        let judgement = try Self.gate(critical: true).judge(baseline: Self.baseline, canary: Self.baseline)
        #expect(judgement.critical)
        #expect(judgement.metric == "latency")
    }

    // MARK: definition

    @Test func invalidDefinitionsAreRejected() throws {
        let query = #"up{instance=~"{{hosts}}"}"#
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "", query: query, direction: .increase, tolerance: .relative(0.1))
        }
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "up", query: "up", direction: .increase, tolerance: .relative(0.1))
        }
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "up", query: query, direction: .increase, tolerance: .relative(-0.1))
        }
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "up", query: query, direction: .increase, tolerance: .absolute(.nan))
        }
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "up", query: query, direction: .increase, tolerance: .absolute(1), minimumSamples: 0)
        }
        #expect(throws: RolloutEngineError.self) {
            try MetricGate(name: "up", query: query, direction: .increase, tolerance: .absolute(1), alpha: 1)
        }
        let gate = try MetricGate(name: "up", query: query, direction: .either, tolerance: .absolute(0))
        #expect(gate.alpha == 0.05)
        #expect(gate.minimumSamples == 10)
        #expect(!gate.critical)
    }

    // MARK: query(hosts:)

    @Test func hostsBecomeAnEscapedAlternation() throws {
        let gate = try Self.gate()
        #expect(
            try gate.query(hosts: ["web-1.example.com:9100", "db_2", "web-1.example.com:9100"])
                == #"avg by (instance) (latency{instance=~"web-1\\.example\\.com:9100|db_2"})"#
        )
    }

    @Test func everyRegexMetacharacterIsEscaped() throws {
        let gate = try MetricGate(
            name: "x",
            query: "x{{hosts}}x and y{{hosts}}y",
            direction: .either,
            tolerance: .absolute(0)
        )
        #expect(try gate.query(hosts: ["a.+*?()|[]{}^$b"]) == #"x"# + Self.escaped + #"x and y"# + Self.escaped + "y")
        #expect(try gate.query(hosts: ["[fe80::1]:9100"]) == #"x\\[fe80::1\\]:9100x and y\\[fe80::1\\]:9100y"#)
    }

    static let escaped = #"a\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$b"#

    @Test(arguments: [[], [""], ["web\"1"], ["web'1"], ["web\\1"], ["web`1"], ["web\n1"]])
    func unusableHostsAreRejected(_ hosts: [String]) throws {
        #expect(throws: RolloutEngineError.self) { try Self.gate().query(hosts: hosts) }
    }

    // MARK: combine

    static func judgement(_ metric: String, _ outcome: MetricOutcome, critical: Bool = false) -> MetricJudgement {
        MetricJudgement(metric: metric, critical: critical, outcome: outcome, reason: "\(metric): \(outcome)")
    }

    @Test func criticalFailureFailsTheGate() {
        let result = MetricGateResult.combine([
            Self.judgement("errors", .fail, critical: true),
            Self.judgement("latency", .pass),
            Self.judgement("cpu", .pass),
            Self.judgement("memory", .inconclusive),
        ])
        #expect(result.outcome == .fail)
        #expect(result.reason == "critical metric errors failed")
        #expect(result.judgements.count == 4)
    }

    @Test func moreThanHalfOfNonCriticalFailing() {
        let twoOfThree = MetricGateResult.combine([
            Self.judgement("latency", .fail),
            Self.judgement("cpu", .fail),
            Self.judgement("memory", .pass),
            Self.judgement("errors", .pass, critical: true),
        ])
        #expect(twoOfThree.outcome == .fail)
        #expect(twoOfThree.reason == "2 of 3 non-critical metrics failed (more than half): latency, cpu")

        let oneOfTwo = MetricGateResult.combine([Self.judgement("latency", .fail), Self.judgement("cpu", .pass)])
        #expect(oneOfTwo.outcome == .pass)
        #expect(oneOfTwo.reason.contains("latency failed, not more than half"))
    }

    @Test func inconclusiveUnlessFailing() {
        let result = MetricGateResult.combine([
            Self.judgement("latency", .pass),
            Self.judgement("cpu", .inconclusive),
        ])
        #expect(result.outcome == .inconclusive)
        #expect(result.reason == "inconclusive: not enough data for cpu")

        // A minority failing does not clear a wave whose other data is missing.
        let mixed = MetricGateResult.combine([
            Self.judgement("latency", .fail),
            Self.judgement("cpu", .inconclusive),
            Self.judgement("memory", .pass),
        ])
        #expect(mixed.outcome == .inconclusive)

        let critical = MetricGateResult.combine([Self.judgement("errors", .inconclusive, critical: true)])
        #expect(critical.outcome == .inconclusive)
    }

    @Test func allPassing() {
        let result = MetricGateResult.combine([
            Self.judgement("latency", .pass),
            Self.judgement("errors", .pass, critical: true),
        ])
        #expect(result.outcome == .pass)
        #expect(result.reason == "2 of 2 metrics passed")
        #expect(MetricGateResult.combine([]).outcome == .pass)
    }

    @Test func endToEndFromSamples() throws {
        let errors = try MetricGate(
            name: "error_rate",
            query: #"rate(errors_total{instance=~"{{hosts}}"}[1m])"#,
            direction: .increase,
            tolerance: .absolute(0.001),
            critical: true
        )
        let latency = try Self.gate()
        let baselineErrors = [Double](repeating: 0.01, count: 15)
        let canaryErrors = [Double](repeating: 0.05, count: 15)
        let result = MetricGateResult.combine([
            errors.judge(baseline: baselineErrors, canary: canaryErrors),
            latency.judge(baseline: Self.baseline, canary: Self.baseline),
        ])
        #expect(result.outcome == .fail)
        #expect(result.reason == "critical metric error_rate failed")
    }
}
