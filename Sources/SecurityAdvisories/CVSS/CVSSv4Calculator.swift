/// The CVSS v4.0 scoring algorithm (specification section 8.2, as FIRST's reference calculator
/// implements it): find the vector's MacroVector, look up its score, then subtract the mean
/// proportional severity distance from the MacroVector's highest-severity vectors, interpolating
/// towards the next lower MacroVector of each equivalence set.
struct CVSSv4Calculator {
    /// The metrics as given (absent optional metrics are "X").
    let metrics: [String: String]

    /// Severity levels of metric values, in steps of 0.1 (lower is more severe).
    private static let levels: [String: [String: Double]] = [
        "AV": ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3],
        "PR": ["N": 0.0, "L": 0.1, "H": 0.2],
        "UI": ["N": 0.0, "P": 0.1, "A": 0.2],
        "AC": ["L": 0.0, "H": 0.1],
        "AT": ["N": 0.0, "P": 0.1],
        "VC": ["H": 0.0, "L": 0.1, "N": 0.2],
        "VI": ["H": 0.0, "L": 0.1, "N": 0.2],
        "VA": ["H": 0.0, "L": 0.1, "N": 0.2],
        "SC": ["H": 0.1, "L": 0.2, "N": 0.3],
        "SI": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        "SA": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        "CR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "IR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "AR": ["H": 0.0, "M": 0.1, "L": 0.2],
    ]

    /// The highest-severity vectors of each level, parsed once.
    private static let parsedMaxima:
        (
            eq1: [[[String: String]]], eq2: [[[String: String]]], eq3eq6: [[[[String: String]]]],
            eq4: [[[String: String]]], eq5: [[[String: String]]]
        ) = {
            func parse(_ vector: String) -> [String: String] {
                var result: [String: String] = [:]
                for part in vector.split(separator: "/") {
                    let pair = part.split(separator: ":")
                    result[String(pair[0])] = String(pair[1])
                }
                return result
            }
            return (
                CVSSv4Tables.eq1Maxima.map { $0.map(parse) },
                CVSSv4Tables.eq2Maxima.map { $0.map(parse) },
                CVSSv4Tables.eq3eq6Maxima.map { $0.map { $0.map(parse) } },
                CVSSv4Tables.eq4Maxima.map { $0.map(parse) },
                CVSSv4Tables.eq5Maxima.map { $0.map(parse) }
            )
        }()

    /// The effective value of a metric: the modified metric when given, defaults for threat and
    /// requirement metrics (E → A, CR/IR/AR → H: worst case).
    func m(_ metric: String) -> String {
        let selected = metrics[metric] ?? "X"
        switch metric {
        case "E" where selected == "X": return "A"
        case "CR", "IR", "AR": return selected == "X" ? "H" : selected
        default:
            if let modified = metrics["M" + metric], modified != "X" { return modified }
            return selected
        }
    }

    /// The MacroVector digits EQ1…EQ6 (specification Tables 24–29).
    func macroVector() -> [Int] {
        let av = m("AV")
        let pr = m("PR")
        let ui = m("UI")
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" {
            eq1 = 0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        let eq2 = m("AC") == "L" && m("AT") == "N" ? 0 : 1
        let vc = m("VC")
        let vi = m("VI")
        let va = m("VA")
        let eq3 = vc == "H" && vi == "H" ? 0 : (vc == "H" || vi == "H" || va == "H" ? 1 : 2)
        let eq4: Int
        if m("SI") == "S" || m("SA") == "S" {
            eq4 = 0
        } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
            eq4 = 1
        } else {
            eq4 = 2
        }
        let eq5 = ["A": 0, "P": 1, "U": 2][m("E")]!
        let eq6 =
            (m("CR") == "H" && vc == "H") || (m("IR") == "H" && vi == "H") || (m("AR") == "H" && va == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    private static func key(_ digits: [Int]) -> String {
        String(digits.map { Character(String($0)) })
    }

    private static func lookup(_ digits: [Int]) -> Double? {
        CVSSv4Tables.macroVectorScores[key(digits)]
    }

    /// The score, rounded to one decimal.
    func score() -> Double {
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ m($0) == "N" }) {
            return 0
        }
        let macro = macroVector()
        let (eq1, eq2, eq3, eq4, eq5, eq6) = (macro[0], macro[1], macro[2], macro[3], macro[4], macro[5])
        var value = Self.lookup(macro)!

        func bumped(_ index: Int...) -> [Int] {
            var digits = macro
            for i in index { digits[i] += 1 }
            return digits
        }
        let lowerEQ1 = Self.lookup(bumped(0))
        let lowerEQ2 = Self.lookup(bumped(1))
        let lowerEQ3EQ6: Double?
        switch (eq3, eq6) {
        case (1, 1), (0, 1): lowerEQ3EQ6 = Self.lookup(bumped(2))
        case (1, 0): lowerEQ3EQ6 = Self.lookup(bumped(5))
        case (0, 0):
            // Two next-lower MacroVectors; the higher one is the nearer.
            let left = Self.lookup(bumped(5))
            let right = Self.lookup(bumped(2))
            if let left, let right { lowerEQ3EQ6 = max(left, right) } else { lowerEQ3EQ6 = nil }
        default: lowerEQ3EQ6 = Self.lookup(bumped(2, 5))
        }
        let lowerEQ4 = Self.lookup(bumped(3))
        let lowerEQ5 = Self.lookup(bumped(4))

        // The severity distance from the first highest-severity vector of the MacroVector that is
        // at least as severe as this one in every metric.
        let maxima = Self.parsedMaxima
        let compared = ["AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"]
        var distance: [String: Double] = [:]
        search: for a in maxima.eq1[eq1] {
            for b in maxima.eq2[eq2] {
                for c in maxima.eq3eq6[eq3][eq6] {
                    for d in maxima.eq4[eq4] {
                        for e in maxima.eq5[eq5] {
                            func maximum(_ metric: String) -> String {
                                a[metric] ?? b[metric] ?? c[metric] ?? d[metric] ?? e[metric]!
                            }
                            var allNonNegative = true
                            for metric in compared {
                                let levels = Self.levels[metric]!
                                let gap = levels[m(metric)]! - levels[maximum(metric)]!
                                distance[metric] = gap
                                if gap < 0 { allNonNegative = false }
                            }
                            if allNonNegative { break search }
                        }
                    }
                }
            }
        }
        func sum(_ names: String...) -> Double {
            names.reduce(0.0) { $0 + distance[$1]! }
        }
        let currentEQ1 = sum("AV", "PR", "UI")
        let currentEQ2 = sum("AC", "AT")
        let currentEQ3EQ6 = sum("VC", "VI", "VA", "CR", "IR", "AR")
        let currentEQ4 = sum("SC", "SI", "SA")

        // Each EQ moves the score towards its next lower MacroVector by the fraction of the level's
        // maximal severity distance that this vector is away from the level's highest severity.
        let step = 0.1
        var existingLower = 0
        func normalized(_ lower: Double?, _ current: Double, _ maxSeverity: Double?) -> Double {
            guard let lower, value - lower >= 0 else { return 0 }
            existingLower += 1
            guard let maxSeverity else { return 0 }  // EQ5 has no distance within its level.
            return (value - lower) * (current / (maxSeverity * step))
        }
        let n1 = normalized(lowerEQ1, currentEQ1, CVSSv4Tables.eq1MaxSeverity[eq1])
        let n2 = normalized(lowerEQ2, currentEQ2, CVSSv4Tables.eq2MaxSeverity[eq2])
        let n3 = normalized(lowerEQ3EQ6, currentEQ3EQ6, CVSSv4Tables.eq3eq6MaxSeverity[eq3][eq6])
        let n4 = normalized(lowerEQ4, currentEQ4, CVSSv4Tables.eq4MaxSeverity[eq4])
        let n5 = normalized(lowerEQ5, 0, nil)
        // Summed in the reference calculator's order so the floating-point result is the same.
        let meanDistance = existingLower == 0 ? 0 : (n1 + n2 + n3 + n4 + n5) / Double(existingLower)
        value -= meanDistance
        value = min(10, max(0, value))
        return CVSSRounding.roundV4(value)
    }
}
