import ChangeControl

/// A just-in-time elevation as the API shows it (`POST /api/v1/elevations` and every elevation
/// action): the elevation and whether its after-the-fact review is overdue.
public struct ElevationView: Codable, Sendable {
    public var elevation: Elevation
    public var reviewOverdue: Bool

    public init(elevation: Elevation, reviewOverdue: Bool) {
        self.elevation = elevation
        self.reviewOverdue = reviewOverdue
    }
}

/// `GET /api/v1/elevations`: the caller's elevations (everyone's for elevation approvers).
public struct ElevationList: Codable, Sendable {
    public var elevations: [ElevationView]

    public init(elevations: [ElevationView]) { self.elevations = elevations }
}
