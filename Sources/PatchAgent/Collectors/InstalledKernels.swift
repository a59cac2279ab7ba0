import FleetModel

/// Finds the kernel releases that packages install and orders them.
///
/// A kernel release is what `uname -r` prints when that kernel runs: for dpkg it is the suffix of
/// the `linux-image-<release>` package name (`6.1.0-18-amd64`, `5.15.0-91-generic`); for rpm it is
/// `version-release.arch` of the `kernel` or `kernel-core` package (`5.14.0-362.8.1.el9_3.x86_64`).
/// Meta-packages such as `linux-image-amd64` name no release and are skipped, as are packages not
/// fully installed.
public enum InstalledKernels {
    /// The kernel releases installed by `packages`, in package order.
    public static func releases(in packages: [InstalledPackage]) -> [String] {
        packages.compactMap(release(of:))
    }

    /// The newest kernel release installed by `packages`, if any.
    public static func newest(in packages: [InstalledPackage]) -> String? {
        releases(in: packages).max(by: areInIncreasingOrder)
    }

    /// The kernel release a package installs, or `nil` if it is not an installed kernel image.
    public static func release(of package: InstalledPackage) -> String? {
        guard package.state.countsAsInstalled else { return nil }
        switch package.manager {
        case .dpkg:
            for prefix in ["linux-image-unsigned-", "linux-image-"] where package.name.hasPrefix(prefix) {
                let release = package.name.dropFirst(prefix.count)
                guard let first = release.first, first.isASCII, first.isNumber else { return nil }
                return String(release)
            }
            return nil
        case .rpm:
            guard package.name == "kernel" || package.name == "kernel-core" else { return nil }
            let version = package.version.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
            return package.architecture.isEmpty ? version : "\(version).\(package.architecture)"
        case .apk:
            return nil
        }
    }

    /// A simple version ordering for kernel releases: digit runs compare as numbers, letter runs as
    /// text, a number sorts after text, and punctuation only separates runs.
    public static func areInIncreasingOrder(_ lhs: String, _ rhs: String) -> Bool {
        let left = tokens(lhs)
        let right = tokens(rhs)
        for (a, b) in zip(left, right) where a != b {
            switch (a, b) {
            case (.number(let x), .number(let y)): return x.count != y.count ? x.count < y.count : x < y
            case (.text(let x), .text(let y)): return x < y
            case (.text, .number): return true
            case (.number, .text): return false
            }
        }
        return left.count < right.count
    }

    private enum Token: Equatable {
        case number(String)
        case text(String)
    }

    private static func tokens(_ release: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var currentIsNumber = false
        func flush() {
            guard !current.isEmpty else { return }
            if currentIsNumber {
                let trimmed = current.drop(while: { $0 == "0" })
                tokens.append(.number(trimmed.isEmpty ? "0" : String(trimmed)))
            } else {
                tokens.append(.text(current))
            }
            current = ""
        }
        for character in release {
            let isDigit = character.isASCII && character.isNumber
            let isLetter = character.isASCII && character.isLetter
            guard isDigit || isLetter else {
                flush()
                continue
            }
            if !current.isEmpty, isDigit != currentIsNumber { flush() }
            currentIsNumber = isDigit
            current.append(character)
        }
        flush()
        return tokens
    }
}
