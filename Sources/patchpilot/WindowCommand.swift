import ArgumentParser
import Foundation
import PatchPolicy

/// `patchpilot window …`: maintenance windows from RFC 5545 calendars.
struct WindowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "window",
        abstract: "Maintenance windows and change freezes from iCalendar (.ics) files.",
        subcommands: [Next.self, Expand.self]
    )

    /// Writes a policy error to standard error and exits 2.
    static func fail(_ error: PatchPolicyError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        return ExitCode(2)
    }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(2)
    }
}

extension WindowCommand {
    /// `patchpilot window next`: the next occurrences (or the next fit) of a calendar's windows.
    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the next usable window occurrences (outside every freeze), or with --duration the first fit.",
            discussion: """
                Occurrences whose start is at or after --after (RFC 3339, default now) are printed with start \
                and end in the --tz zone (default the system zone), which is also the zone of floating \
                DTSTARTs. Invalid input exits 2 naming the line and property.
                """
        )

        @Option(help: "The iCalendar file.")
        var ics: String

        @Option(help: "IANA zone for floating times and for output (default: the system zone).")
        var tz: String?

        @Option(help: "RFC 3339 time to search from (default: now).")
        var after: String?

        @Option(help: "How many occurrences to print.")
        var count = 5

        @Option(help: "Print the first occurrence where a change of this RFC 5545 duration (PT2H) fits.")
        var duration: String?

        @Flag(help: "Print JSON: an array of {\"start\", \"end\"} (a single object with --duration, or null).")
        var json = false

        func run() throws {
            let zone: TimeZone
            if let tz {
                guard let named = TimeZone(identifier: tz) else {
                    throw WindowCommand.fail("--tz: unknown time zone '\(tz)'")
                }
                zone = named
            } else {
                zone = TimeZone.current
            }
            var start = Date()
            if let after {
                guard let parsed = RFC3339Timestamp.parse(after) else {
                    throw WindowCommand.fail(
                        "--after: expected an RFC 3339 time such as 2025-03-11T22:00:00Z, got '\(after)'"
                    )
                }
                start = parsed
            }
            guard count >= 1 else { throw WindowCommand.fail("--count must be at least 1") }
            let text: String
            do {
                text = try String(contentsOfFile: ics, encoding: .utf8)
            } catch {
                throw WindowCommand.fail("cannot read \(ics): \(error.localizedDescription)")
            }
            let output = WallClockResolver(timeZone: zone)
            do {
                let calendar = try MaintenanceCalendar.parse(text, source: ics)
                let schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: zone)
                if let duration {
                    guard let parsed = CalendarDuration.parse(duration), !parsed.isNegative else {
                        throw WindowCommand.fail(
                            "--duration: expected an RFC 5545 duration such as PT2H, got '\(duration)'"
                        )
                    }
                    let fit = try schedule.nextFit(after: start, duration: TimeInterval(parsed.totalSeconds))
                    printFit(fit, output)
                } else {
                    printSlots(try schedule.nextOccurrences(after: start, count: count), output)
                }
            } catch let error as PatchPolicyError {
                throw WindowCommand.fail(error)
            }
        }

        private func printSlots(_ slots: [ScheduledOccurrence], _ output: WallClockResolver) {
            if json {
                let items = slots.map {
                    #"{"start": "\#(output.rfc3339($0.start))", "end": "\#(output.rfc3339($0.end))"}"#
                }
                print(items.isEmpty ? "[]" : "[\n  " + items.joined(separator: ",\n  ") + "\n]")
                return
            }
            if slots.isEmpty { print("no occurrences") }
            for slot in slots {
                print("\(output.rfc3339(slot.start))  \(output.rfc3339(slot.end))  \(slot.windowName)")
            }
        }

        private func printFit(_ fit: WindowFit?, _ output: WallClockResolver) {
            guard let fit else {
                print(json ? "null" : "no fit")
                return
            }
            if json {
                print(
                    #"{"start": "\#(output.rfc3339(fit.slot.start))", "end": "\#(output.rfc3339(fit.slot.end))", "#
                        + #""changeStart": "\#(output.rfc3339(fit.changeStart))", "#
                        + #""changeEnd": "\#(output.rfc3339(fit.changeEnd))", "window": \#(jsonString(fit.slot.windowName))}"#
                )
            } else {
                print(
                    "\(output.rfc3339(fit.slot.start))  \(output.rfc3339(fit.slot.end))  \(fit.slot.windowName)"
                        + "  change \(output.rfc3339(fit.changeStart)) → \(output.rfc3339(fit.changeEnd))"
                )
            }
        }

        private func jsonString(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// `patchpilot window expand --batch`: RRULE expansion for the differential oracle.
    struct Expand: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expand RRULEs read as JSON lines (for scripts/oracles/rrule.sh).",
            discussion: """
                Reads {"dtstart": "20250101T090000", "tzid": "Europe/Berlin", "rrule": "FREQ=…", "count": 20, \
                "duration": "PT2H"} per line (duration optional); prints {"local": [wall times before DST \
                resolution], "utc": [resolved instants], "affected": [in a gap or overlap], "end": [end \
                instants, with a duration]} or {"error": "…"} per line.
                """
        )

        @Flag(help: "Read JSON lines from standard input (required).")
        var batch = false

        struct Request: Decodable {
            var dtstart: String
            var tzid: String
            var rrule: String
            var count: Int
            /// Optional wall-clock cut (`YYYYMMDDTHHMMSS`): nothing after it is produced, like an UNTIL.
            var horizon: String?
            /// Optional RFC 5545 DURATION of each occurrence: the answer then has its end instants.
            var duration: String?
        }

        struct Response: Encodable {
            var local: [String]?
            var utc: [String]?
            var affected: [Bool]?
            var end: [String]?
            var error: String?
        }

        func run() throws {
            guard batch else { throw ValidationError("only --batch is supported") }
            let decoder = JSONDecoder()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var output = ""
            while let line = readLine(strippingNewline: true) {
                if line.isEmpty { continue }
                let response: Response
                do {
                    response = try expand(try decoder.decode(Request.self, from: Data(line.utf8)))
                } catch let error as PatchPolicyError {
                    response = Response(error: error.description)
                } catch {
                    response = Response(error: "bad request: \(error)")
                }
                output += String(decoding: try encoder.encode(response), as: UTF8.self) + "\n"
                if output.utf8.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(output.utf8))
                    output = ""
                }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        }

        private func expand(_ request: Request) throws(PatchPolicyError) -> Response {
            let resolver = try WallClockResolver(identifier: request.tzid, source: "stdin")
            let compact = request.dtstart.filter { $0 != "-" && $0 != ":" }
            let calendar = try MaintenanceCalendar.parse(
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=\(request.tzid):\(compact)\nRRULE:\(request.rrule)\n"
                    + (request.duration.map { "DURATION:\($0)\n" } ?? "") + "END:VEVENT\nEND:VCALENDAR\n",
                source: "stdin"
            )
            let event = calendar.events[0]
            guard let rule = event.recurrence else { return Response(local: [], utc: [], affected: []) }
            var local: [String] = []
            var utc: [String] = []
            var affected: [Bool] = []
            var ends: [String] = []
            let length = event.occurrenceLength(host: request.tzid)
            var horizon: LocalDateTime?
            if let text = request.horizon {
                let parsed = try MaintenanceCalendar.parse(
                    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:\(text)\nEND:VEVENT\nEND:VCALENDAR\n",
                    source: "horizon"
                )
                horizon = parsed.events[0].start.time
            }
            let expansion = RecurrenceExpansion(rule: rule, start: event.start.time, horizon: horizon)
            for wall in expansion.prefix(while: { horizon == nil || $0 <= horizon! }).prefix(request.count) {
                local.append(wall.description)
                utc.append(LocalDateTime(secondsSinceEpochAsUTC: resolver.resolveEpochSecond(wall)).description + "Z")
                affected.append(resolver.isAffectedByTransition(wall))
                let start = resolver.resolveEpochSecond(wall)
                let end = length.endEpochSecond(wallStart: wall, startEpochSecond: start, resolver: resolver)
                ends.append(LocalDateTime(secondsSinceEpochAsUTC: end).description + "Z")
            }
            return Response(local: local, utc: utc, affected: affected, end: request.duration == nil ? nil : ends)
        }
    }
}
