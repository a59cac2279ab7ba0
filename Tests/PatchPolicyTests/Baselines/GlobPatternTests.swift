import PatchPolicy
import Testing

@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("postgresql-*", "postgresql-15", true),
        ("postgresql-*", "postgresql", false),
        ("linux-image-*-rt*", "linux-image-6.1.0-18-rt-amd64", true),
        ("linux-image-*-rt*", "linux-image-6.1.0-18-amd64", false),
        ("lib?ssl*", "libssl3", false),
        ("lib?ssl*", "libxssl3", true),
        ("python3-[a-m]*", "python3-django", true),
        ("python3-[a-m]*", "python3-requests", false),
        ("python3-[!a-m]*", "python3-requests", true),
        ("*", "", true),
        ("a*b*c", "abxbyc", true),
        ("a*b*c", "abxbyd", false),
        ("[broken", "[broken", true),
        ("tzdata", "tzdata", true),
    ])
    func matches(pattern: String, name: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(name) == expected)
    }
}
