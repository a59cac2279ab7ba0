// iCalendar maintenance calendars (.ics policy files) → MaintenanceCalendar → export round trip,
// next occurrences and next fit, as the server does with every policy version.
import FuzzSupport
import PatchPolicy

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzICS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let calendar = try? MaintenanceCalendar.parse(input.text, source: "fuzz.ics") else { return 0 }
    CalendarChecks.exercise(calendar, zoneSelector: size)
    return 0
}

runFuzzer(fuzzICS)
