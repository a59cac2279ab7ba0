// CISA KEV catalogue JSON (the reader's own JSON cursor) → KEV entries → findings.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzKEV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/kev/known_exploited_vulnerabilities.json", format: .kev)
    return 0
}

runFuzzer(fuzzKEV)
