// Debian Security Tracker JSON → advisories → findings.
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDebianTracker(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/debian/tracker.json", format: .debianTrackerJSON)
    return 0
}

runFuzzer(fuzzDebianTracker)
