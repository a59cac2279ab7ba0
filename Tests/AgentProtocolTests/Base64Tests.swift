import AgentProtocol
import Foundation
import Testing

@Suite struct Base64Tests {
    @Test(arguments: 0...100)
    func roundTripsAndAgreesWithFoundation(length: Int) throws {
        var generator = SeededGenerator(seed: UInt64(length) &* 7919 &+ 1)
        for _ in 0..<5 {
            let bytes = Samples.bytes(count: length, using: &generator)
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            let decoded = try #require(Base64.decode(encoded))
            #expect(decoded == bytes)
            let foundation = try #require(Data(base64Encoded: encoded))
            #expect(Array(foundation) == decoded)
        }
    }

    @Test(arguments: [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648TestVectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesTheStandardAlphabetWithPlusAndSlash() {
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xfb, 0xff, 0xbf])
    }

    @Test(arguments: [
        // Length not a multiple of four.
        "A", "AB", "ABC", "ABCDE", "Zm9vYg=", "Zm9vYg",
        // Characters outside the alphabet.
        "AB*D", "AB D", "ABC\n", "Zm9v\nYmFy", "-_-_", "Zm9v YmE", "AB\u{e9}",
        // Padding in the wrong place.
        "=ABC", "A=BC", "AB=C", "A=B=", "A===", "====", "Zg==Zm9v", "Zm8=Zm9v", "Zg==Zg==",
        // Bits set after the last byte (a second spelling of "f" and of "fo").
        "Zh==", "Zm9=",
    ])
    func rejectsInvalidInput(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
