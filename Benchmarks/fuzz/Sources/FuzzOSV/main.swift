// OSV JSON record or array (Debian, Ubuntu, Alpine, Rocky…) → advisories → findings.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/osv/RECORD.json", format: .osv)
    return 0
}

runFuzzer(fuzzOSV)
