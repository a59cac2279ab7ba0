import Testing

@testable import SecurityAdvisories

@Suite struct CVSSRoundingTests {
    @Test(arguments: [
        (4.0, 4.0), (4.02, 4.1), (4.000000000000001, 4.0), (4.00001, 4.1), (4.6000000000000005, 4.6),
        (0.0, 0.0), (9.99, 10.0), (10.0, 10.0), (2.3000000000000003, 2.3),
    ])
    func roundUp31(_ input: Double, _ expected: Double) {
        #expect(CVSSRounding.roundUp31(input) == expected)
    }

    @Test(arguments: [(4.0, 4.0), (4.02, 4.1), (4.000000000000001, 4.0), (4.6000000000000005, 4.6), (0.01, 0.1)])
    func roundUp30(_ input: Double, _ expected: Double) {
        #expect(CVSSRounding.roundUp30(input) == expected)
    }

    @Test(arguments: [(4.25, 4.3), (4.249999999999999, 4.3), (4.24, 4.2), (6.35, 6.4), (0.04, 0.0), (9.95, 10.0)])
    func roundHalfUp(_ input: Double, _ expected: Double) {
        #expect(CVSSRounding.roundHalfUp(input) == expected)
    }

    @Test func roundV4AddsEpsilonBeforeRounding() {
        // 8.6 - 7.15 is 1.4499999999999993 in floating point; FIRST's calculator gives 1.5.
        #expect(CVSSRounding.roundV4(8.6 - 7.15) == 1.5)
        #expect(CVSSRounding.roundV4(1.44) == 1.4)
        #expect(CVSSRounding.roundV4(9.95) == 10.0)
        #expect(CVSSRounding.roundV4(0) == 0)
    }
}
