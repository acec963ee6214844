package sqlstore

import "strings"

// statements are the SQL texts that depend only on the dialect, built once
// per Dialect rather than on every call.
type statements struct {
	requestGet, requestInsert, requestUpdate            string
	grantGet, grantInsert, grantUpdate, grantListDue    string
	effectGet, effectInsert, effectUpdate, effectDelete string
	tokenGet, tokenInsert, directoryPut                 string
	managedPut, managedDelete                           string
	postedMessagePut                                    string
	eventSeal, chainLock, chainPut, checkpointPut       string
	cursorInsert, cursorUpdate, anchorInsert            string
}

// stmt returns d's statements.
func (d *Dialect) stmt() *statements {
	d.once.Do(func() {
		p1, p2 := d.Placeholder(1), d.Placeholder(2)
		d.stmts = statements{
			requestGet:    "SELECT " + requestCols + " FROM requests WHERE id = " + p1,
			requestInsert: d.insertSQL(requestsTable, requestCols),
			requestUpdate: d.updateSQL(requestsTable, requestMutable),
			grantGet:      "SELECT " + grantCols + " FROM grants WHERE id = " + p1,
			grantInsert:   d.insertSQL(grantsTable, grantCols),
			grantUpdate:   d.updateSQL(grantsTable, grantMutable),
			grantListDue:  "SELECT " + grantCols + " FROM grants WHERE due_at < " + p1 + " ORDER BY due_at, id LIMIT " + p2,
			effectGet:     "SELECT " + effectCols + " FROM effects WHERE key = " + p1,
			effectInsert:  d.insertSQL(effectsTable, effectCols),
			effectUpdate:  d.updateSQL(effectsTable, effectMutable),
			effectDelete:  "DELETE FROM effects WHERE key = " + p1 + " AND version = " + p2,
			tokenGet:      "SELECT " + tokenCols + " FROM tokens WHERE hash = " + p1,
			tokenInsert:   d.insertSQL(tokensTable, tokenCols),
			directoryPut: "INSERT INTO directory (id, data, synced_at) VALUES (1, " + p1 + ", " + p2 + ")" +
				" ON CONFLICT (id) DO UPDATE SET data = excluded.data, synced_at = excluded.synced_at",
			managedPut: "INSERT INTO managed (" + managedCols + ") VALUES (" + p1 + ", " + p2 + ", " + d.Placeholder(3) + ", " + d.Placeholder(4) + ")" +
				" ON CONFLICT (kind, key) DO UPDATE SET name = excluded.name",
			managedDelete: "DELETE FROM managed WHERE kind = " + p1 + " AND key = " + p2,
			eventSeal: "UPDATE events SET seq = " + p1 + ", prev_hash = " + p2 + ", hash = " + d.Placeholder(3) +
				", data = " + d.Placeholder(4) + " WHERE id = " + d.Placeholder(5),
			chainLock: "SELECT seq, hash FROM event_chain WHERE id = 1" + d.LockRow,
			chainPut:  "UPDATE event_chain SET seq = " + p1 + ", hash = " + p2 + " WHERE id = 1",
			checkpointPut: "INSERT INTO checkpoints (" + checkpointCols + ") VALUES (" + p1 + ", " + p2 + ", " + d.Placeholder(3) + ", " +
				d.Placeholder(4) + ", " + d.Placeholder(5) + ") ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash, time = excluded.time," +
				" key_id = excluded.key_id, signature = excluded.signature",
			cursorInsert: "INSERT INTO forward_cursors (seq, forwarded_at, attempted_at, last_error, name, version) VALUES (" +
				p1 + ", " + p2 + ", " + d.Placeholder(3) + ", " + d.Placeholder(4) + ", " + d.Placeholder(5) + ", 1) ON CONFLICT DO NOTHING",
			cursorUpdate: "UPDATE forward_cursors SET seq = " + p1 + ", forwarded_at = " + p2 + ", attempted_at = " + d.Placeholder(3) +
				", last_error = " + d.Placeholder(4) + ", version = version + 1 WHERE name = " + d.Placeholder(5) + " AND version = " + d.Placeholder(6),
			anchorInsert: "INSERT INTO anchors (" + anchorCols + ") VALUES (" + p1 + ", " + p2 + ", " + d.Placeholder(3) + ", " +
				d.Placeholder(4) + ", " + d.Placeholder(5) + ", " + d.Placeholder(6) + ")",
			postedMessagePut: "INSERT INTO posted_messages (" + postedMessageCols + ") VALUES (" + p1 + ", " + p2 + ", " +
				d.Placeholder(3) + ", " + d.Placeholder(4) + ", " + d.Placeholder(5) + ")" +
				" ON CONFLICT (service, request_id, channel) DO UPDATE SET message_id = excluded.message_id",
		}
	})
	return &d.stmts
}

// insertSQL returns an INSERT of the comma-separated cols into t that
// inserts nothing when the row conflicts with one stored.
func (d *Dialect) insertSQL(t table, cols string) string {
	n := strings.Count(cols, ",") + 1
	ps := make([]string, n)
	for i := range ps {
		ps[i] = d.Placeholder(i + 1)
	}
	return "INSERT INTO " + t.name + " (" + cols + ") VALUES (" + strings.Join(ps, ", ") + ") ON CONFLICT DO NOTHING"
}

// updateSQL returns an UPDATE of t setting the comma-separated cols
// (arguments 1 to n) and bumping version, where the key and the version
// match the two arguments after them.
func (d *Dialect) updateSQL(t table, cols string) string {
	names := strings.Split(cols, ",")
	for i, c := range names {
		names[i] = strings.TrimSpace(c) + " = " + d.Placeholder(i+1)
	}
	n := len(names)
	return "UPDATE " + t.name + " SET " + strings.Join(names, ", ") + ", version = version + 1 WHERE " +
		t.key + " = " + d.Placeholder(n+1) + " AND version = " + d.Placeholder(n+2)
}
