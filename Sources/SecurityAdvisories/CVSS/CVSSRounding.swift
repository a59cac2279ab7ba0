/// The rounding functions the CVSS specifications prescribe.
///
/// Scores are computed in binary floating point; each function absorbs the representation error
/// so the result is the one the specification's decimal arithmetic gives.
enum CVSSRounding {
    /// CVSS v3.1 `Roundup` (specification Appendix A): the smallest one-decimal number not below
    /// `value`, computed on an integer scaled by 100,000 so that e.g. 4.000000000000001 rounds to 4.0.
    static func roundUp31(_ value: Double) -> Double {
        let scaled = Int((value * 100_000).rounded(.toNearestOrAwayFromZero))
        if scaled % 10_000 == 0 {
            return Double(scaled) / 100_000
        }
        return Double(scaled / 10_000 + 1) / 10
    }

    /// CVSS v3.0 `Round up`: "the smallest number, specified to one decimal place, that is equal
    /// to or higher than its input". A result within 1e-9 of a tenth is taken as that tenth (the
    /// decimal value the floating-point error hides).
    static func roundUp30(_ value: Double) -> Double {
        let scaled = value * 10
        let nearest = scaled.rounded()
        if abs(scaled - nearest) < 1e-9 {
            return nearest / 10
        }
        return scaled.rounded(.up) / 10
    }

    /// CVSS v2 `round_to_1_decimal`: half away from zero, with the same 1e-9 tolerance for ties
    /// that floating point moves off the half.
    static func roundHalfUp(_ value: Double) -> Double {
        let scaled = value * 10
        let floor = scaled.rounded(.down)
        let fraction = scaled - floor
        if abs(fraction - 0.5) < 1e-9 {
            return (floor + 1) / 10
        }
        return scaled.rounded(.toNearestOrAwayFromZero) / 10
    }

    /// CVSS v4.0 final rounding as in FIRST's reference calculator: add 1e-6, then round half up to
    /// one decimal (so 1.4499999999999993, the float for 8.6 − 7.15, rounds to 1.5).
    static func roundV4(_ value: Double) -> Double {
        ((value + 1e-6) * 10).rounded(.toNearestOrAwayFromZero) / 10
    }
}
