import GRDB

// Bounded reads for the regulator's report (LedgerReport): on a ledger of a million exchanges
// the report needs the few that need attention, a count per day and the first violations of
// each rule, not every row, so its memory stays flat whatever the size of the views.
extension ViewReader {
    /// The first `limit` exchanges awaiting acknowledgement, overdue or in discrepancy, in log
    /// order, and how many there are in all.
    package func exchangesNeedingAttention(limit: Int) throws -> (rows: [ExchangeView], total: Int64) {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM exchanges WHERE ack <> 'acknowledged' ORDER BY seq LIMIT ?",
                                        arguments: [limit]).map(ExchangeView.init)
            let total = try Int64.fetchOne(db, sql: "SELECT count(*) FROM exchanges WHERE ack <> 'acknowledged'") ?? 0
            return (rows, total)
        }
    }

    /// Exchanges per day of ledger time (`YYYY-MM-DD`), days in order.
    package func exchangesPerDay() throws -> [(day: String, exchanges: Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT substr(time, 1, 10) AS day, count(*) AS n FROM exchanges GROUP BY day ORDER BY day")
                .map { (day: $0["day"], exchanges: $0["n"]) }
        }
    }

    /// The first `limit` violations of each rule and the first of each flow (provider,
    /// recipient, dataset), in the order found, with the number of violations of each rule.
    package func violations(perRule limit: Int) throws -> (rows: [ViolationView], counts: [String: Int64]) {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM violations WHERE id IN (
                  SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY rule ORDER BY id) AS n FROM violations) WHERE n <= ?
                  UNION SELECT min(id) FROM violations GROUP BY provider, recipient, dataset)
                ORDER BY id
                """, arguments: [limit]).map(ViolationView.init)
            var counts: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rule, count(*) AS n FROM violations GROUP BY rule") { counts[row["rule"]] = row["n"] }
            return (rows, counts)
        }
    }
}
