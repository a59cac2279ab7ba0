// Swift side of the version benchmark: the same pairs, the same loops as c/bench_*.c.
// usage: VersionsBench deb|rpm < pairs
// "compare" times comparing pre-parsed values; "parse+compare" times comparing the two strings once,
// through the string API a caller with two version strings uses (`RPMVersion.compare(_:_:)`,
// `DebianVersion.compare(_:_:validation:)`).
import PackageVersions

let scheme = CommandLine.arguments.dropFirst().first ?? "deb"
var lhs: [String] = []
var rhs: [String] = []
while let line = readLine() {
    guard let tab = line.utf8.firstIndex(of: 0x09) else { continue }
    lhs.append(String(line[..<tab]))
    rhs.append(String(line[line.utf8.index(after: tab)...]))
}
let n = lhs.count
let clock = ContinuousClock()

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

@MainActor
func run<V>(
    _ parse: (String) throws -> V,
    _ compare: (V, V) -> VersionOrdering,
    _ compareStrings: (String, String) throws -> VersionOrdering
) throws {
    let lhs = lhs
    let rhs = rhs
    let a = try lhs.map(parse)
    let b = try rhs.map(parse)
    var best = Double.infinity
    var sum = 0
    for _ in 0..<7 {
        var s = 0
        let t = clock.measure {
            for i in 0..<n { s &+= Int(compare(a[i], b[i]).rawValue) }
        }
        best = min(best, seconds(t))
        sum = s
    }
    var bestParse = Double.infinity
    var sum2 = 0
    for _ in 0..<3 {
        var s = 0
        let t = try clock.measure {
            for i in 0..<n {
                s &+= Int(try compareStrings(lhs[i], rhs[i]).rawValue)
            }
        }
        bestParse = min(bestParse, seconds(t))
        sum2 = s
    }
    let c = best * 1e9 / Double(n)
    let pc = bestParse * 1e9 / Double(n)
    print("Swift \(scheme) pairs=\(n) checksum=\(sum) compare_ns=\(c) parse_compare_ns=\(pc) checksum2=\(sum2)")
}

if scheme == "rpm" {
    try run({ try RPMVersion(parsing: $0) }, { $0.compare(to: $1) }, { try RPMVersion.compare($0, $1) })
} else {
    try run({ try DebianVersion(parsing: $0) }, { $0.compare(to: $1) }, { try DebianVersion.compare($0, $1) })
}
