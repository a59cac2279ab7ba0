import Foundation

/// The two-sided Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples, with the
/// Hodges-Lehmann estimate of the shift between them.
///
/// The test is the large-sample one, exactly what
/// `scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)`
/// computes:
/// - every value of both samples is ranked together, tied values getting the average of the
///   ranks they span;
/// - `U` is U₁, the statistic of the first sample: its rank sum minus n(n+1)/2 (the number of
///   pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting one half);
/// - the variance is corrected for ties: σ² = nm/12 · ((N+1) − Σ(t³−t)/(N(N−1))), N = n+m, t the
///   size of each group of tied values;
/// - the p-value is 2·(1 − Φ((|U − nm/2| − ½)/σ)), capped at 1: the normal approximation with a
///   continuity correction of one half.
///
/// When every value is the same, σ = 0 and there is no evidence of a difference: `z` is 0 and the
/// p-value 1. The normal approximation is good from about ten values per side; below that the
/// p-value is only indicative (as with scipy's asymptotic method).
///
/// Ranking sorts the N values once: O(N log N) time, O(N) memory.
public struct MannWhitneyU: Sendable, Hashable {
    /// U₁: the Mann-Whitney statistic of the first sample (between 0 and `firstCount · secondCount`).
    public let u: Double
    /// The standardized statistic of the first sample, continuity-corrected:
    /// (U₁ − nm/2 ∓ ½)/σ, positive when the first sample tends to be larger, 0 when U₁ = nm/2 or
    /// every value is tied.
    public let z: Double
    /// The two-sided p-value, in [0, 1].
    public let pValue: Double
    /// The size of the first sample.
    public let firstCount: Int
    /// The size of the second sample.
    public let secondCount: Int

    /// Runs the test on `x` (the first sample, e.g. the canary) and `y` (the second, e.g. the baseline).
    ///
    /// - Parameter continuityCorrection: subtract one half from |U − nm/2| before standardizing
    ///   (the default, as scipy's `use_continuity=True`).
    /// - Throws: `RolloutEngineError` `.invalid` when a sample is empty or holds a NaN.
    public init(_ x: [Double], _ y: [Double], continuityCorrection: Bool = true) throws {
        try Self.validate(x, field: "x")
        try Self.validate(y, field: "y")
        let n1 = x.count
        let n2 = y.count
        let n = n1 + n2
        let values = x + y
        let order = (0..<n).sorted { values[$0] < values[$1] }

        // Walk the groups of tied values: rank sum of the first sample and Σ(t³ − t).
        var rankSum = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && values[order[end]] == values[order[start]] { end += 1 }
            // Ranks start + 1 ... end (1-based): their average is a multiple of one half, so the
            // sums below are exact.
            let averageRank = Double(start + 1 + end) / 2
            var fromFirst = 0
            for position in start..<end where order[position] < n1 { fromFirst += 1 }
            rankSum += averageRank * Double(fromFirst)
            let t = Double(end - start)
            tieTerm += t * t * t - t
            start = end
        }

        let u1 = rankSum - Double(n1) * Double(n1 + 1) / 2
        let mean = Double(n1 * n2) / 2
        let variance = Double(n1 * n2) / 12 * (Double(n + 1) - tieTerm / Double(n * (n - 1)))
        let sigma = variance > 0 ? variance.squareRoot() : 0
        let distance = abs(u1 - mean)

        self.u = u1
        self.firstCount = n1
        self.secondCount = n2
        if sigma == 0 || distance == 0 {
            // All values tied, or U₁ exactly at its mean: no evidence either way.
            self.z = 0
            self.pValue = 1
        } else {
            let corrected = continuityCorrection ? distance - 0.5 : distance
            let magnitude = corrected / sigma
            self.z = u1 > mean ? magnitude : -magnitude
            self.pValue = min(1, max(0, 2 * Self.normalCDF(-magnitude)))
        }
    }

    /// The Hodges-Lehmann estimate of the shift of `x` relative to `y`: the median of the n·m
    /// differences xᵢ − yⱼ (the mean of the two middle ones when n·m is even, as numpy's median).
    ///
    /// Positive when `x` tends to be larger. It is robust (a few outliers barely move it) and it
    /// is the shift estimate that goes with the Mann-Whitney test.
    ///
    /// Cost: the differences are materialized and the median found by selection, O(n·m) time
    /// (expected; a sort of what remains bounds the worst case to O(n·m log(n·m))) and n·m·8 bytes
    /// of memory: 32 MB for 2,000 × 2,000 values. That is fine for the sample sizes of a bake
    /// period (hundreds to a few thousand points per side); beyond that, thin the series first.
    ///
    /// - Throws: `RolloutEngineError` `.invalid` when a sample is empty or holds a NaN.
    public static func hodgesLehmannShift(_ x: [Double], _ y: [Double]) throws -> Double {
        try validate(x, field: "x")
        try validate(y, field: "y")
        let (count, overflow) = x.count.multipliedReportingOverflow(by: y.count)
        guard !overflow else {
            throw RolloutEngineError(.invalid, field: "x", "\(x.count) × \(y.count) differences are too many")
        }
        var differences = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            for a in x {
                for b in y {
                    buffer[index] = a - b
                    index += 1
                }
            }
            initialized = count
        }
        return differences.withUnsafeMutableBufferPointer { buffer in
            let middle = count / 2
            if count % 2 == 1 {
                select(middle, in: buffer)
                return buffer[middle]
            }
            // Even: the (middle − 1)-th smallest, then the smallest of what lies above it.
            select(middle - 1, in: buffer)
            var upper = buffer[middle]
            for index in (middle + 1)..<count where buffer[index] < upper { upper = buffer[index] }
            return (buffer[middle - 1] + upper) / 2
        }
    }

    /// The median of `values` (the mean of the two middle ones for an even count); nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Φ(a), the standard normal cumulative distribution function, through erf/erfc as Cephes'
    /// `ndtr` (which scipy uses): erf near the centre, erfc in the tails so that small
    /// probabilities keep their relative precision down to about 1e-308.
    public static func normalCDF(_ a: Double) -> Double {
        let halfSquareRootOfTwo = 0.707_106_781_186_547_524_40
        let x = a * halfSquareRootOfTwo
        let magnitude = abs(x)
        if magnitude < halfSquareRootOfTwo { return 0.5 + 0.5 * erf(x) }
        let tail = 0.5 * erfc(magnitude)
        return x > 0 ? 1 - tail : tail
    }

    private static func validate(_ sample: [Double], field: String) throws {
        guard !sample.isEmpty else {
            throw RolloutEngineError(.invalid, field: field, "the sample is empty")
        }
        if let index = sample.firstIndex(where: \.isNaN) {
            throw RolloutEngineError(.invalid, field: field, "value \(index) is NaN")
        }
    }

    /// Moves the `k`-th smallest value (0-based) to index `k`, smaller-or-equal ones before it and
    /// greater-or-equal ones after (Hoare's selection with a median-of-three pivot; sorts what is
    /// left if the partitions keep coming out lopsided, so the worst case stays O(c log c)).
    private static func select(_ k: Int, in buffer: UnsafeMutableBufferPointer<Double>) {
        var low = 0
        var high = buffer.count - 1
        var rounds = 0
        let patience = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount) + 16
        while high > low {
            rounds += 1
            if rounds > patience {
                var slice = UnsafeMutableBufferPointer(rebasing: buffer[low...high])
                slice.sort()
                return
            }
            let middle = low + (high - low) / 2
            if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
            if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
            if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
            let pivot = buffer[middle]
            var i = low
            var j = high
            while i <= j {
                while buffer[i] < pivot { i += 1 }
                while buffer[j] > pivot { j -= 1 }
                if i <= j {
                    buffer.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // low...j ≤ pivot, i...high ≥ pivot, and anything strictly between equals the pivot.
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return
            }
        }
    }
}
