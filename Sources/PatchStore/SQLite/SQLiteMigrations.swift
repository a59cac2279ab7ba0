import ChangeControl
import GRDB

/// The versioned schema of the SQLite engine.
///
/// Times are integer milliseconds since 1970 (UTC) and identifiers are text, so that the same
/// schema maps one to one onto PostgreSQL (`bigint`, `text`).
enum SQLiteMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-spine") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        username TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        csrf_token TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE TABLE api_tokens (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        revoked INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE enrollment_tokens (
                        id TEXT PRIMARY KEY,
                        secret_hash TEXT NOT NULL,
                        uses_allowed INTEGER NOT NULL,
                        uses_consumed INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL
                    );
                    CREATE TABLE hosts (
                        id TEXT PRIMARY KEY,
                        machine_id TEXT NOT NULL UNIQUE,
                        hostname TEXT NOT NULL,
                        os_id TEXT NOT NULL,
                        os_version_id TEXT NOT NULL,
                        kernel_running TEXT NOT NULL,
                        reboot_required INTEGER NOT NULL,
                        facts_json TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        inventory_fingerprint TEXT,
                        package_count INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX hosts_hostname ON hosts(hostname);
                    CREATE INDEX hosts_os ON hosts(os_id, os_version_id);
                    CREATE INDEX hosts_last_seen ON hosts(last_seen);
                    CREATE TABLE agents (
                        id TEXT PRIMARY KEY,
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        public_key TEXT NOT NULL,
                        enrolled_at INTEGER NOT NULL,
                        revoked_at INTEGER,
                        enrollment_token_id TEXT NOT NULL
                    );
                    CREATE INDEX agents_host ON agents(host_id);
                    CREATE TABLE agent_nonces (
                        agent_id TEXT NOT NULL,
                        nonce TEXT NOT NULL,
                        seen_at INTEGER NOT NULL,
                        PRIMARY KEY (agent_id, nonce)
                    );
                    CREATE INDEX agent_nonces_seen ON agent_nonces(seen_at);
                    CREATE TABLE installed_packages (
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        name TEXT NOT NULL,
                        architecture TEXT NOT NULL,
                        version TEXT NOT NULL,
                        source_name TEXT NOT NULL,
                        source_version TEXT NOT NULL,
                        state TEXT NOT NULL,
                        manager TEXT NOT NULL,
                        PRIMARY KEY (host_id, name, architecture)
                    );
                    CREATE INDEX installed_packages_source ON installed_packages(source_name, source_version);
                    CREATE TABLE inventory_changes (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        architecture TEXT NOT NULL,
                        old_version TEXT,
                        new_version TEXT,
                        old_state TEXT,
                        new_state TEXT
                    );
                    CREATE INDEX inventory_changes_host ON inventory_changes(host_id, id);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        target TEXT NOT NULL,
                        details TEXT NOT NULL
                    );
                    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v2-vulnerabilities") { db in
            try db.execute(
                sql: """
                    CREATE TABLE advisories (
                        id TEXT PRIMARY KEY,
                        source TEXT NOT NULL,
                        modified INTEGER NOT NULL,
                        withdrawn INTEGER,
                        document TEXT NOT NULL
                    );
                    CREATE TABLE known_exploited (
                        cve_id TEXT PRIMARY KEY,
                        due_date INTEGER NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE TABLE epss_scores (
                        cve_id TEXT PRIMARY KEY,
                        score REAL NOT NULL,
                        percentile REAL NOT NULL,
                        scored_at INTEGER
                    );
                    CREATE TABLE feed_imports (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        format TEXT NOT NULL,
                        added INTEGER NOT NULL,
                        changed INTEGER NOT NULL,
                        withdrawn INTEGER NOT NULL,
                        unchanged INTEGER NOT NULL,
                        skipped INTEGER NOT NULL
                    );
                    CREATE TABLE findings (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        package TEXT NOT NULL,
                        architecture TEXT NOT NULL,
                        advisory_id TEXT NOT NULL,
                        installed_version TEXT NOT NULL,
                        source_package TEXT NOT NULL,
                        source_version TEXT NOT NULL,
                        fixed_version TEXT,
                        status TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        severity_rank INTEGER NOT NULL,
                        cvss REAL,
                        epss REAL,
                        epss_percentile REAL,
                        kev INTEGER NOT NULL,
                        kev_due INTEGER,
                        aliases TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        fixed_at INTEGER
                    );
                    CREATE UNIQUE INDEX findings_open ON findings(host_id, package, architecture, advisory_id)
                        WHERE fixed_at IS NULL;
                    CREATE INDEX findings_advisory ON findings(advisory_id, fixed_at);
                    CREATE INDEX findings_host ON findings(host_id, fixed_at);
                    """
            )
        }
        migrator.registerMigration("v3-plan-reports") { db in
            try db.execute(
                sql: """
                    CREATE TABLE plan_reports (
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        plan_id TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        report TEXT NOT NULL,
                        PRIMARY KEY (plan_id, digest)
                    );
                    CREATE INDEX plan_reports_host ON plan_reports(host_id, received_at);
                    """
            )
        }
        migrator.registerMigration("v4-policy-versions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE policy_versions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        applied_at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        files TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v5-host-plans") { db in
            try db.execute(
                sql: """
                    CREATE TABLE host_plans (
                        host_id TEXT NOT NULL REFERENCES hosts(id),
                        sequence INTEGER NOT NULL,
                        plan_id TEXT NOT NULL UNIQUE,
                        signed_plan TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        created_by TEXT NOT NULL,
                        delivered_at INTEGER,
                        PRIMARY KEY (host_id, sequence)
                    );
                    """
            )
        }
        migrator.registerMigration("v6-host-labels") { db in
            try db.execute(
                sql: """
                    ALTER TABLE hosts ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
                    ALTER TABLE hosts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
                    """
            )
        }
        migrator.registerMigration("v7-change-control") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN request_id TEXT;
                    ALTER TABLE events ADD COLUMN elevation_id TEXT;
                    ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
                    ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
                    CREATE INDEX events_at ON events(at);
                    CREATE INDEX events_target ON events(target, id);
                    CREATE TABLE audit_checkpoints (
                        event_id INTEGER PRIMARY KEY,
                        head_hash TEXT NOT NULL,
                        signed_at INTEGER NOT NULL,
                        signature TEXT NOT NULL
                    );
                    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
                        BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
                    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
                        BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
                    CREATE TABLE custom_roles (
                        name TEXT PRIMARY KEY,
                        permissions TEXT NOT NULL,
                        summary TEXT NOT NULL
                    );
                    CREATE TABLE role_grants (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        role TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        expires_at INTEGER,
                        elevation_id TEXT,
                        created_at INTEGER NOT NULL,
                        UNIQUE (user_id, role, scope, elevation_id)
                    );
                    CREATE INDEX role_grants_user ON role_grants(user_id);
                    ALTER TABLE api_tokens ADD COLUMN permissions TEXT;
                    CREATE TABLE login_failures (
                        username TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX login_failures_user ON login_failures(username, at);
                    CREATE TABLE change_requests (
                        id TEXT PRIMARY KEY,
                        number INTEGER NOT NULL UNIQUE,
                        state TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        requester_id TEXT NOT NULL,
                        planned_start INTEGER,
                        updated_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX change_requests_state ON change_requests(state, number);
                    CREATE TABLE change_templates (
                        name TEXT PRIMARY KEY,
                        body TEXT NOT NULL
                    );
                    CREATE TABLE elevations (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        state TEXT NOT NULL,
                        expires_at INTEGER,
                        requested_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX elevations_state ON elevations(state, expires_at);
                    DROP TRIGGER events_no_update;
                    """
            )
            // Chain the events written before the chain existed.
            var previous = AuditChain.genesis
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id")
            for row in rows {
                let sealed = AuditChain.seal(SQLStorage.auditEvent(SQLRow(row)), after: previous)
                try db.execute(
                    sql: "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?",
                    arguments: [sealed.previousHash, sealed.hash, sealed.id]
                )
                previous = sealed.hash
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v8-rollouts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rollouts (
                        id TEXT PRIMARY KEY,
                        change_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX rollouts_state ON rollouts(state);
                    CREATE INDEX rollouts_change ON rollouts(change_id);
                    """
            )
        }
        migrator.registerMigration("v9-hardening") { db in
            try db.execute(
                sql: """
                    ALTER TABLE enrollment_tokens ADD COLUMN host_id TEXT REFERENCES hosts(id);
                    ALTER TABLE hosts ADD COLUMN duplicate_of TEXT;
                    ALTER TABLE login_failures ADD COLUMN source TEXT NOT NULL DEFAULT '';
                    CREATE INDEX login_failures_source ON login_failures(username, source, at);
                    """
            )
        }
        migrator.registerMigration("v10-plan-cancellation") { db in
            try db.execute(
                sql: """
                    ALTER TABLE host_plans ADD COLUMN cancelled_at INTEGER;
                    -- Tokens made before lifetimes were mandatory expire a year after their creation.
                    UPDATE api_tokens SET expires_at = created_at + 31622400000 WHERE expires_at IS NULL;
                    """
            )
        }
        migrator.registerMigration("v11-normalized-fleet") { db in try NormalizedFleetMigration.migrate(db) }
        migrator.registerMigration("v12-fleet-reports") { db in try FleetReportsMigration.migrate(db) }
        // The fleet summary counts index ranges only: hosts by last seen (already indexed), hosts
        // waiting for a reboot (a partial index of just those), active agents by revocation.
        migrator.registerMigration("v13-summary-indexes") { db in
            try db.execute(
                sql: """
                    CREATE INDEX hosts_reboot_pending ON hosts(reboot_required) WHERE reboot_required = 1;
                    CREATE INDEX agents_revoked ON agents(revoked_at);
                    """
            )
        }
        migrator.registerMigration("v14-rollout-tasks") { db in try RolloutTasksMigration.migrate(db) }
        // v15: keys the whole deployment shares (PostgreSQL replicas read them from here).
        migrator.registerMigration("v15-server-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE server_keys (
                        name TEXT PRIMARY KEY,
                        material TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    )
                    """
            )
        }
        // v16: leases (a leader for singleton jobs, a tick lease per rollout) and the webhook outbox.
        migrator.registerMigration("v16-leases-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE leases (
                        name TEXT PRIMARY KEY,
                        owner TEXT NOT NULL,
                        token INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    ALTER TABLE rollouts ADD COLUMN tick_owner TEXT;
                    ALTER TABLE rollouts ADD COLUMN tick_token INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE rollouts ADD COLUMN tick_expires_at INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE webhook_outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        url TEXT NOT NULL,
                        format TEXT NOT NULL,
                        event TEXT NOT NULL,
                        body TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        claimed_by TEXT,
                        claim_expires_at INTEGER NOT NULL DEFAULT 0,
                        delivered_at INTEGER,
                        dead_at INTEGER,
                        last_error TEXT
                    );
                    CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at)
                        WHERE delivered_at IS NULL AND dead_at IS NULL;
                    CREATE INDEX webhook_outbox_dead ON webhook_outbox(dead_at) WHERE dead_at IS NOT NULL;
                    """
            )
        }
        // v17: users can be disabled, and must change a password someone else set.
        migrator.registerMigration("v17-user-lifecycle") { db in
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN disabled_at INTEGER;
                    ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
                    """
            )
        }
        return migrator
    }
}
