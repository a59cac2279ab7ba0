// Query strings and path segments as clients send them: QueryParameters parses the raw query, then
// every typed accessor the routes use runs on it (paging with each route's limits, integers,
// booleans, enumerations), and the arithmetic the pages do with the result (next/previous page
// links) must not overflow. The same bytes are also decoded as a path parameter.
import Foundation
import FuzzSupport
import PatchAPI

let limits: [(Int, Int)] = [(50, 1000), (100, 5000), (500, 10_000), (50, 500), (100, 1000)]

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzQuery(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let text = input.text
    if let query = try? QueryParameters(parsing: text) {
        for (defaultLimit, maxLimit) in limits {
            if let (limit, offset) = try? query.paging(defaultLimit: defaultLimit, maxLimit: maxLimit) {
                invariant((1...maxLimit).contains(limit), "limit \(limit) accepted")
                invariant((0...InputBounds.maximumOffset).contains(offset), "offset \(offset) accepted")
                _ = offset + limit
                _ = max(0, offset - limit)
            }
        }
        for name in query.values.keys.prefix(8) {
            _ = try? query.integer(name, in: 0...Int.max)
            _ = try? query.integer(name, in: -1000...1000)
            _ = try? query.boolean(name)
            _ = try? query.oneOf(name, ["asc", "desc"])
            _ = query.nonEmpty(name)
        }
        for name in ["limit", "offset", "state", "reboot", "minEPSS", "severity"] {
            _ = try? query.integer(name, in: 1...10_000)
            _ = try? query.boolean(name)
        }
    }
    if let decoded = try? QueryParameters.decodePath(Substring(text), what: "path parameter 'id'") {
        invariant(decoded.utf8.count <= text.utf8.count, "decoding grew the text")
    }
    return 0
}

runFuzzer(fuzzQuery)
