/// Why a feed import or a feed read failed, naming the file, URL or source.
public struct FeedImportError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
