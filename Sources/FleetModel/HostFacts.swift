/// What an agent reports about its host besides the package list.
public struct HostFacts: Sendable, Hashable, Codable {
    /// The host name.
    public var hostname: String
    /// `/etc/machine-id`, stable across reboots.
    public var machineID: String
    /// `/proc/sys/kernel/random/boot_id`, new on every boot.
    public var bootID: String
    /// The operating system.
    public var os: OSRelease
    /// The CPU architecture (`x86_64`, `aarch64`).
    public var architecture: String
    /// The running kernel release (`uname -r`).
    public var kernelRunning: String
    /// The newest kernel release installed, if known.
    public var kernelNewestInstalled: String?
    /// Whether the system asks for a reboot (`/var/run/reboot-required` or a newer kernel installed).
    public var rebootRequired: Bool
    /// Packages that asked for the reboot (`/var/run/reboot-required.pkgs`).
    public var rebootRequiredPackages: [String]
    /// Seconds since boot.
    public var uptimeSeconds: Double
    /// The host's IANA time zone (`/etc/timezone` or the `/etc/localtime` link), if known;
    /// maintenance windows written in floating local time are read in it.
    public var timeZone: String?

    /// Creates a facts record.
    public init(
        hostname: String,
        machineID: String,
        bootID: String,
        os: OSRelease,
        architecture: String,
        kernelRunning: String,
        kernelNewestInstalled: String? = nil,
        rebootRequired: Bool = false,
        rebootRequiredPackages: [String] = [],
        uptimeSeconds: Double = 0,
        timeZone: String? = nil
    ) {
        self.timeZone = timeZone
        self.hostname = hostname
        self.machineID = machineID
        self.bootID = bootID
        self.os = os
        self.architecture = architecture
        self.kernelRunning = kernelRunning
        self.kernelNewestInstalled = kernelNewestInstalled
        self.rebootRequired = rebootRequired
        self.rebootRequiredPackages = rebootRequiredPackages
        self.uptimeSeconds = uptimeSeconds
    }
}
