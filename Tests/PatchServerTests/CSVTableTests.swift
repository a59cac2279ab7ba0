import HTTPTypes
import HummingbirdCore
import Testing

@testable import PatchServer

/// CSV fields as RFC 4180 wants them, and cells a spreadsheet would run as formulas defused.
@Suite struct CSVTableTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("=A1,B1", "\"'=A1,B1\""),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        ("", ""),
    ])
    func fieldsAreQuotedAndDefused(value: String, expected: String) {
        #expect(CSVTable.field(value) == expected)
    }

    @Test func rowsEndInCRLF() {
        var table = CSVTable(header: ["a", "b"])
        table.append(["1", "x,y"])
        #expect(table.text == "a,b\r\n1,\"x,y\"\r\n")
        let response = table.response(filename: "t.csv")
        #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
        #expect(response.headers[.contentDisposition] == "attachment; filename=\"t.csv\"")
    }
}
