import Foundation
import RolloutEngine
import Testing

@Suite struct MannWhitneyTests {
    /// A case with the values scipy 1.17 gives for
    /// `mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)` and
    /// numpy's `median(subtract.outer(x, y))`.
    struct Known: Sendable, CustomStringConvertible {
        var x: [Double]
        var y: [Double]
        var u: Double
        var p: Double
        var shift: Double
        var description: String { "\(x) vs \(y)" }
    }

    static let known: [Known] = [
        // No ties, complete separation: U₁ = 0; σ² = 25·11/12, z = −12/4.787 = −2.507.
        Known(x: [1, 2, 3, 4, 5], y: [6, 7, 8, 9, 10], u: 0, p: 0.012185780355344813, shift: -5),
        Known(x: [6, 7, 8, 9, 10], y: [1, 2, 3, 4, 5], u: 25, p: 0.012185780355344813, shift: 5),
        // Ties: ranks 1 | 3 3 3 | 5.5 5.5 | 7.5 7.5; R₁ = 1 + 3 + 3 + 5.5 = 12.5, U₁ = 12.5 − 10 = 2.5;
        // Σ(t³ − t) = 24 + 6 + 6 = 36, σ² = 16/12 · (9 − 36/56) = 11.143; z = (5.5 − 0.5)/3.338 = 1.498.
        Known(x: [1, 2, 2, 3], y: [2, 3, 4, 4], u: 2.5, p: 0.13416918012812584, shift: -1),
        // Textbook, no ties: U₁ counts the pairs with x > y: 3 + 4 + 2 + 4 + 4 = 17.
        Known(x: [19, 22, 16, 29, 24], y: [20, 11, 17, 12], u: 17, p: 0.11134688653314041, shift: 7),
        // Interleaved, no ties: U₁ = 10 of 16.
        Known(x: [1.5, 2.5, 3.5, 4.5], y: [1, 2, 3, 4], u: 10, p: 0.6650055421020291, shift: 0.5),
        // Identical samples: U₁ = nm/2, p = 1.
        Known(x: [1, 2, 3], y: [1, 2, 3], u: 4.5, p: 1, shift: 0),
        // One value each.
        Known(x: [1], y: [2], u: 0, p: 1, shift: -1),
        // Large, separated: the tail of the normal distribution, far below 1e-30.
        Known(
            x: (0..<100).map(Double.init),
            y: (100..<200).map(Double.init),
            u: 0,
            p: 2.562143669163401e-34,
            shift: -100
        ),
    ]

    @Test(arguments: known)
    func knownValues(_ case: Known) throws {
        let test = try MannWhitneyU(`case`.x, `case`.y)
        #expect(test.u == `case`.u)
        #expect(abs(test.pValue - `case`.p) <= 1e-12 * `case`.p)
        #expect(try MannWhitneyU.hodgesLehmannShift(`case`.x, `case`.y) == `case`.shift)
        #expect(test.firstCount == `case`.x.count)
        #expect(test.secondCount == `case`.y.count)
    }

    @Test func zByHand() throws {
        // 1 2 3 4 5 vs 6 … 10: z = −(12.5 − 0.5)/√(25 · 11/12).
        let test = try MannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        #expect(abs(test.z - (-12 / (25.0 * 11 / 12).squareRoot())) < 1e-12)
        #expect(abs(test.pValue - 2 * MannWhitneyU.normalCDF(test.z)) < 1e-15)
    }

    @Test func withoutContinuityCorrection() throws {
        // scipy: use_continuity=False gives 0.09942494579333938 for the tied case above.
        let test = try MannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4], continuityCorrection: false)
        #expect(abs(test.pValue - 0.09942494579333938) < 1e-15)
    }

    @Test(arguments: known)
    func swappingTheSamplesMirrorsTheResult(_ case: Known) throws {
        let forward = try MannWhitneyU(`case`.x, `case`.y)
        let backward = try MannWhitneyU(`case`.y, `case`.x)
        #expect(forward.u + backward.u == Double(`case`.x.count * `case`.y.count))
        #expect(forward.pValue == backward.pValue)
        #expect(forward.z == -backward.z)
        #expect(
            try MannWhitneyU.hodgesLehmannShift(`case`.x, `case`.y)
                == -MannWhitneyU.hodgesLehmannShift(`case`.y, `case`.x)
        )
    }

    @Test func orderOfValuesDoesNotMatter() throws {
        let a = try MannWhitneyU([3, 1, 2, 2], [4, 2, 4, 3])
        let b = try MannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4])
        #expect(a == b)
    }

    @Test func allTiesGiveNoEvidence() throws {
        let test = try MannWhitneyU([3, 3, 3], [3, 3, 3, 3])
        #expect(test.u == 6)
        #expect(test.z == 0)
        #expect(test.pValue == 1)
        #expect(try MannWhitneyU.hodgesLehmannShift([3, 3, 3], [3, 3, 3, 3]) == 0)
    }

    @Test func underflowingTailIsZeroNotNaN() throws {
        let test = try MannWhitneyU((0..<1000).map(Double.init), (1000..<2000).map(Double.init))
        #expect(test.pValue == 0)
        #expect(test.z < -38)
    }

    @Test func infinitiesRankAsExtremes() throws {
        let test = try MannWhitneyU([.infinity, 5], [1, 2])
        #expect(test.u == 4)
    }

    @Test func emptyOrNaNInputIsRejected() throws {
        #expect(throws: RolloutEngineError.self) { try MannWhitneyU([], [1, 2]) }
        #expect(throws: RolloutEngineError.self) { try MannWhitneyU([1, 2], []) }
        #expect(throws: RolloutEngineError.self) { try MannWhitneyU([1, .nan], [1, 2]) }
        #expect(throws: RolloutEngineError.self) { try MannWhitneyU.hodgesLehmannShift([], [1]) }
        do {
            _ = try MannWhitneyU([1], [.nan])
            Issue.record("NaN accepted")
        } catch let error as RolloutEngineError {
            #expect(error.code == .invalid)
            #expect(error.field == "y")
        }
    }

    @Test func normalCDF() {
        #expect(MannWhitneyU.normalCDF(0) == 0.5)
        #expect(abs(MannWhitneyU.normalCDF(1.959963984540054) - 0.975) < 1e-15)
        #expect(abs(MannWhitneyU.normalCDF(-1.959963984540054) - 0.025) < 1e-16)
        // Φ(−10) = 7.61985302416047e-24: relative precision in the tail.
        #expect(abs(MannWhitneyU.normalCDF(-10) / 7.61985302416047e-24 - 1) < 1e-13)
    }

    /// The selection-based median of differences agrees with sorting all of them, for odd and even
    /// counts and heavy ties.
    @Test(arguments: 0..<40)
    func hodgesLehmannMatchesSorting(_ seed: Int) throws {
        var random = MannWhitneyRandom(seed: UInt64(seed))
        let n = Int(random.next() % 40) + 1
        let m = Int(random.next() % 40) + 1
        let levels = seed % 2 == 0 ? 5 : 1_000_000
        let x = (0..<n).map { _ in Double(random.next() % UInt64(levels)) }
        let y = (0..<m).map { _ in Double(random.next() % UInt64(levels)) + 0.5 }
        let differences = x.flatMap { a in y.map { b in a - b } }.sorted()
        let middle = differences.count / 2
        let expected =
            differences.count % 2 == 1 ? differences[middle] : (differences[middle - 1] + differences[middle]) / 2
        #expect(try MannWhitneyU.hodgesLehmannShift(x, y) == expected)
    }

    @Test func median() {
        #expect(MannWhitneyU.median([]) == nil)
        #expect(MannWhitneyU.median([3, 1, 2]) == 2)
        #expect(MannWhitneyU.median([4, 1, 3, 2]) == 2.5)
    }
}

/// A small seeded generator (SplitMix64), so the randomized cases are the same on every run.
private struct MannWhitneyRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
