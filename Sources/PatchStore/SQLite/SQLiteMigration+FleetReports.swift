import GRDB

/// v12, for fleet-wide reports. The index of hosts by package covers the state and lineage start,
/// so a pass over a package's hosts reads the index alone, without a table lookup per host.
///
/// And a counter that moves whenever something a fleet-wide report reads changes — hosts joining
/// or leaving, a host's name, OS, labels or tags, its inventory (its fingerprint), the findings of
/// a package, fixed findings, advisories (publication dates) and the policy. Triggers keep it, so
/// no write path can forget it; heartbeats (last seen, uptime) leave it alone. A report computed at
/// one revision stays exact while the revision is unchanged (and until its own states move with
/// the clock).
enum FleetReportsMigration {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX host_packages_package;
                CREATE INDEX host_packages_package ON host_packages(package, host, state, since);
                CREATE TABLE report_revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                INSERT INTO report_revision (id, value) VALUES (1, 1);
                """
        )
        let bump = "UPDATE report_revision SET value = value + 1 WHERE id = 1;"
        let triggers: [(name: String, event: String)] = [
            ("hosts_inserted", "AFTER INSERT ON hosts"),
            ("hosts_deleted", "AFTER DELETE ON hosts"),
            (
                "hosts_described",
                """
                AFTER UPDATE OF hostname, os_id, os_version_id, labels, tags, inventory_fingerprint, duplicate_of ON hosts
                WHEN OLD.hostname IS NOT NEW.hostname OR OLD.os_id IS NOT NEW.os_id
                    OR OLD.os_version_id IS NOT NEW.os_version_id OR OLD.labels IS NOT NEW.labels
                    OR OLD.tags IS NOT NEW.tags OR OLD.inventory_fingerprint IS NOT NEW.inventory_fingerprint
                    OR OLD.duplicate_of IS NOT NEW.duplicate_of
                """
            ),
            ("package_findings_inserted", "AFTER INSERT ON package_findings"),
            ("package_findings_updated", "AFTER UPDATE ON package_findings"),
            ("package_findings_deleted", "AFTER DELETE ON package_findings"),
            ("fixed_findings_inserted", "AFTER INSERT ON fixed_findings"),
            ("fixed_findings_deleted", "AFTER DELETE ON fixed_findings"),
            ("advisories_inserted", "AFTER INSERT ON advisories"),
            ("advisories_updated", "AFTER UPDATE ON advisories"),
            ("policy_versions_inserted", "AFTER INSERT ON policy_versions"),
        ]
        for trigger in triggers {
            try db.execute(sql: "CREATE TRIGGER report_revision_\(trigger.name) \(trigger.event) BEGIN \(bump) END;")
        }
    }
}
