/*
 * store_schema.c -- the numbered schema migrations of the state store.
 * Migration i (0-based) brings PRAGMA user_version from i to i + 1; each
 * runs in its own transaction at store_open. Never edit a released
 * migration: append a new one.
 *
 * Sizing: 100,000 contacts per campaign and 100,000 inbound messages;
 * every column looked up by a hot path has an index, and the audience
 * filters scan contacts once per plan (a few milliseconds).
 */
#include "store/store_private.h"

const char *const store_migrations[] = {
	/* 1: everything the first release needs. */
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL COLLATE NOCASE UNIQUE,"	/* stored lower-case */
	"  name TEXT, municipality TEXT, country TEXT, language TEXT,"
	"  role TEXT,"
	"  token TEXT NOT NULL UNIQUE,"	/* made once, never changed */
	"  status TEXT NOT NULL DEFAULT 'ok',"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX contacts_country ON contacts(country COLLATE NOCASE);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL COLLATE NOCASE UNIQUE);"
	"CREATE TABLE contact_groups ("
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id)"
	"    ON DELETE CASCADE,"
	"  group_id INTEGER NOT NULL REFERENCES groups(id),"
	"  PRIMARY KEY (contact_id, group_id)) WITHOUT ROWID;"
	"CREATE INDEX contact_groups_group ON contact_groups(group_id);"
	/* status changes with their reason: why a contact stopped getting
	 * mail must be answerable later. */
	"CREATE TABLE contact_events ("
	"  id INTEGER PRIMARY KEY,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id)"
	"    ON DELETE CASCADE,"
	"  status TEXT NOT NULL, reason TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX contact_events_contact ON contact_events(contact_id);"
	"CREATE TABLE questionnaires ("
	"  id INTEGER PRIMARY KEY,"
	"  survey_id TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"	/* 1, 2, ... per survey_id */
	"  hash TEXT NOT NULL UNIQUE,"
	"  path TEXT, xml TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (survey_id, version));"
	"CREATE TABLE campaigns ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  questionnaire_id INTEGER REFERENCES questionnaires(id),"
	"  kind TEXT NOT NULL, template TEXT, deadline TEXT, subject TEXT,"
	"  reference TEXT,"
	"  aud_group TEXT, aud_country TEXT, aud_municipality TEXT,"
	"  aud_language TEXT, aud_role TEXT,"
	"  file TEXT, extra TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	/* state: pending, sending, sent, failed, deferred, skipped.
	 * claim: the store handle (run) that set sending; a SENDING row of
	 * another run was interrupted and is due again. */
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'deferred', 'skipped')),"
	"  message_id TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_reply TEXT,"
	"  claim INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  UNIQUE (campaign_id, contact_id, kind));"
	"CREATE INDEX deliveries_due ON deliveries(campaign_id, kind, state);"
	"CREATE UNIQUE INDEX deliveries_msgid ON deliveries(message_id)"
	"  WHERE message_id IS NOT NULL;"
	/* contact_id only: a contact has a handful of rows, and an index
	 * without state/updated is not rewritten by every state change. */
	"CREATE INDEX deliveries_contact ON deliveries(contact_id);"
	"CREATE TABLE mailboxes ("
	"  source TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE inbound ("
	"  id INTEGER PRIMARY KEY,"
	"  src_key TEXT NOT NULL UNIQUE,"
	"  message_id TEXT,"	/* not unique: duplicates are recorded */
	"  from_addr TEXT, subject TEXT, date TEXT,"
	"  kind TEXT NOT NULL,"
	"  reason TEXT, charset TEXT,"
	"  contact_id INTEGER REFERENCES contacts(id),"
	"  campaign_id INTEGER REFERENCES campaigns(id),"
	"  delivery_id INTEGER REFERENCES deliveries(id),"
	"  answered_by TEXT, reply_text TEXT, raw BLOB,"
	"  bounce_recipient TEXT, bounce_class TEXT, bounce_status TEXT,"
	"  bounce_diag TEXT, rsvp_attendee TEXT, rsvp_partstat TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX inbound_msgid ON inbound(message_id);"
	"CREATE INDEX inbound_kind ON inbound(kind);"
	"CREATE INDEX inbound_campaign ON inbound(campaign_id, kind);"
	/* poison guard: a key left here means parsing it crashed or hung */
	"CREATE TABLE inbound_parsing ("
	"  src_key TEXT PRIMARY KEY, started INTEGER NOT NULL);"
	/* every response stays on record; current = 1 on the newest only */
	"CREATE TABLE responses ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  inbound_id INTEGER REFERENCES inbound(id),"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  superseded_by INTEGER REFERENCES responses(id),"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX responses_current ON responses(campaign_id, contact_id,"
	"  current);"
	"CREATE UNIQUE INDEX responses_one_current ON responses(campaign_id,"
	"  contact_id) WHERE current = 1;"
	"CREATE TABLE answers ("
	"  response_id INTEGER NOT NULL REFERENCES responses(id)"
	"    ON DELETE CASCADE,"
	"  question TEXT NOT NULL, value TEXT,"
	"  PRIMARY KEY (response_id, question)) WITHOUT ROWID;",
	/* 2: feedback ("confirm", "problem") is one mail per reply, so a
	 * contact may get many per campaign; campaign kinds (invite,
	 * reminder, ...) stay one per (campaign, contact, kind). SQLite
	 * cannot drop a table constraint, so the table is rebuilt. With
	 * foreign_keys on, inbound.delivery_id must keep pointing at the
	 * same ids: dropping the parent counts its children as deferred
	 * violations, and inserting the rows back into a table of the
	 * same name uncounts them, so the commit passes (a rename would
	 * rewrite inbound's REFERENCES instead). */
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE TEMP TABLE deliveries_v1 AS SELECT * FROM deliveries;"
	"DROP TABLE deliveries;"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'deferred', 'skipped')),"
	"  message_id TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_reply TEXT,"
	"  claim INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"INSERT INTO deliveries(id, campaign_id, contact_id, kind, state,"
	"  message_id, attempts, last_reply, claim, created, updated)"
	"  SELECT id, campaign_id, contact_id, kind, state, message_id,"
	"  attempts, last_reply, claim, created, updated FROM deliveries_v1;"
	"DROP TABLE deliveries_v1;"
	/* store_plan_insert's ON CONFLICT names this index's WHERE */
	"CREATE UNIQUE INDEX deliveries_one ON deliveries(campaign_id,"
	"  contact_id, kind) WHERE kind NOT IN ('confirm', 'problem');"
	"CREATE INDEX deliveries_due ON deliveries(campaign_id, kind, state);"
	"CREATE UNIQUE INDEX deliveries_msgid ON deliveries(message_id)"
	"  WHERE message_id IS NOT NULL;"
	"CREATE INDEX deliveries_contact ON deliveries(contact_id);",
	/* 3: the outbox. deliveries becomes the one queue of every outgoing
	 * mail: a recipient that may be a staff address (no contact), a
	 * token of its own (the reply address and subject reference name
	 * this delivery, not only the contact), what a later render needs
	 * (in_reply_to, vars), when it may go (not_before, next_attempt),
	 * who holds it (owner, lease_until: see store_outbox.c) and how
	 * long it may wait (queued, moved forward while sending is paused).
	 * A row SENDING before this version was cut off by a crash or stop:
	 * whether the server took it is unknown. Every row gets a token
	 * (anketa_token(), registered by store_open); rows sent before
	 * carried the contact's token, which ingest still resolves. */
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE TEMP TABLE deliveries_v2 AS SELECT * FROM deliveries;"
	"DROP TABLE deliveries;"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER REFERENCES campaigns(id),"
	"  contact_id INTEGER REFERENCES contacts(id),"
	"  rcpt TEXT,"	/* the address when there is no contact */
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
	"    'sending', 'sent', 'failed', 'deferred', 'skipped', 'unknown',"
	"    'cancelled')),"
	"  token TEXT NOT NULL UNIQUE,"
	"  message_id TEXT,"
	"  in_reply_to TEXT, vars TEXT,"
	"  inbound_id INTEGER REFERENCES inbound(id),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  unknowns INTEGER NOT NULL DEFAULT 0,"
	"  last_reply TEXT,"
	"  not_before INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL DEFAULT 0,"
	"  queued INTEGER NOT NULL,"
	"  owner INTEGER, lease_until INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  CHECK (contact_id IS NOT NULL OR rcpt IS NOT NULL));"
	"INSERT INTO deliveries(id, campaign_id, contact_id, kind, state,"
	"  token, message_id, attempts, unknowns, last_reply, queued,"
	"  created, updated)"
	"  SELECT id, campaign_id, contact_id, kind,"
	"  CASE state WHEN 'sending' THEN 'unknown' ELSE state END,"
	"  anketa_token(), message_id, attempts, state = 'sending',"
	"  last_reply, created, created, updated FROM deliveries_v2;"
	"DROP TABLE deliveries_v2;"
	"CREATE UNIQUE INDEX deliveries_one ON deliveries(campaign_id,"
	"  contact_id, kind) WHERE kind NOT IN ('confirm', 'problem');"
	"CREATE INDEX deliveries_due ON deliveries(campaign_id, kind, state);"
	"CREATE UNIQUE INDEX deliveries_msgid ON deliveries(message_id)"
	"  WHERE message_id IS NOT NULL;"
	"CREATE INDEX deliveries_contact ON deliveries(contact_id);"
	/* what a claim looks at: only rows still waiting are indexed */
	"CREATE INDEX deliveries_queue ON deliveries(next_attempt, id)"
	"  WHERE state IN ('pending', 'deferred', 'unknown');"
	"CREATE INDEX deliveries_owner ON deliveries(owner)"
	"  WHERE owner IS NOT NULL;"
	/* processes that may hold claims: each holds an flock on its lock
	 * file for as long as it lives (see store_outbox.c) */
	"CREATE TABLE owners ("
	"  id INTEGER PRIMARY KEY,"
	"  role TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
	"  started INTEGER NOT NULL, lock TEXT NOT NULL,"
	"  seen INTEGER NOT NULL);"
	/* a submission server on which sending is paused, and why */
	"CREATE TABLE pauses ("
	"  site TEXT PRIMARY KEY, since INTEGER NOT NULL,"
	"  until INTEGER NOT NULL, reason TEXT NOT NULL);",
	/* 4: retention (store_privacy.c). The sweep that drops raw mail
	 * older than [retention] raw_mail_days runs at every send pass, so
	 * it must not read the table: created comes after raw in each row,
	 * and a scan would walk every message's overflow pages. Only rows
	 * that still hold raw bytes are in this index, so the sweep reads
	 * just the rows it changes and each leaves the index as it goes. */
	"CREATE INDEX inbound_raw_created ON inbound(created)"
	"  WHERE raw IS NOT NULL;",
	/* 5: cheaper hand-overs and outcomes. Every one changes a row's
	 * state, and three things made that dear:
	 * - deliveries_due (campaign_id, kind, state) moved the row's entry
	 *   to another part of the index each time: two more pages in each
	 *   commit. No query needs state in it: those by campaign read it
	 *   from the row, and deliveries_campaign (campaign_id, kind,
	 *   contact_id), which a state change never touches, also answers
	 *   "has this contact an invitation of this campaign" (the
	 *   reminder's plan, the dry run) with one probe instead of a scan
	 *   of the campaign's sent rows for every contact.
	 * - SQLite builds a temporary b-tree for an IN list of three or more
	 *   constants each time it evaluates one, and both the table's CHECK
	 *   on state and deliveries_queue's WHERE were such lists, evaluated
	 *   at every state change (the index's for the old and the new row).
	 *   They say the same with OR now; SQLite cannot change a CHECK, so
	 *   the table is rebuilt as in migration 3 (same columns, same ids,
	 *   inbound's references kept by defer_foreign_keys).
	 * - deliveries_queue held claimed rows too: each claim stepped over
	 *   the rows the other senders held, and each hand-over took its row
	 *   out. It holds the rows nobody holds now, so a claim reads the
	 *   first ones, and the claim itself takes them out, sixteen at a
	 *   time. Queries that want it must say STORE_WAITING
	 *   (store_outbox.c) and owner IS NULL, as the claim does: a partial
	 *   index serves only a query that says what its WHERE says.
	 * Dropping and refilling the table makes SQLite look up inbound's
	 * rows that point at each delivery, twice: inbound_delivery, an
	 * index for this migration only, keeps that from scanning inbound
	 * for each of them (six minutes for 100,000 deliveries and 10,000
	 * inbound messages without it). */
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE INDEX inbound_delivery ON inbound(delivery_id);"
	"CREATE TEMP TABLE deliveries_v3 AS SELECT * FROM deliveries;"
	"DROP TABLE deliveries;"
	"CREATE TABLE deliveries ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER REFERENCES campaigns(id),"
	"  contact_id INTEGER REFERENCES contacts(id),"
	"  rcpt TEXT,"	/* the address when there is no contact */
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state = 'pending' OR"
	"    state = 'sending' OR state = 'sent' OR state = 'failed' OR"
	"    state = 'deferred' OR state = 'skipped' OR state = 'unknown' OR"
	"    state = 'cancelled'),"
	"  token TEXT NOT NULL UNIQUE,"
	"  message_id TEXT,"
	"  in_reply_to TEXT, vars TEXT,"
	"  inbound_id INTEGER REFERENCES inbound(id),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  unknowns INTEGER NOT NULL DEFAULT 0,"
	"  last_reply TEXT,"
	"  not_before INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL DEFAULT 0,"
	"  queued INTEGER NOT NULL,"
	"  owner INTEGER, lease_until INTEGER,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	"  CHECK (contact_id IS NOT NULL OR rcpt IS NOT NULL));"
	"INSERT INTO deliveries(id, campaign_id, contact_id, rcpt, kind, state,"
	"  token, message_id, in_reply_to, vars, inbound_id, attempts,"
	"  unknowns, last_reply, not_before, next_attempt, queued, owner,"
	"  lease_until, created, updated)"
	"  SELECT id, campaign_id, contact_id, rcpt, kind, state, token,"
	"  message_id, in_reply_to, vars, inbound_id, attempts, unknowns,"
	"  last_reply, not_before, next_attempt, queued, owner, lease_until,"
	"  created, updated FROM deliveries_v3;"
	"DROP TABLE deliveries_v3;"
	"CREATE UNIQUE INDEX deliveries_one ON deliveries(campaign_id,"
	"  contact_id, kind) WHERE kind NOT IN ('confirm', 'problem');"
	"CREATE INDEX deliveries_campaign ON deliveries(campaign_id, kind,"
	"  contact_id);"
	"CREATE UNIQUE INDEX deliveries_msgid ON deliveries(message_id)"
	"  WHERE message_id IS NOT NULL;"
	"CREATE INDEX deliveries_contact ON deliveries(contact_id);"
	"CREATE INDEX deliveries_queue ON deliveries(next_attempt, id)"
	"  WHERE (state = 'pending' OR state = 'deferred' OR"
	"  state = 'unknown') AND owner IS NULL;"
	"CREATE INDEX deliveries_owner ON deliveries(owner)"
	"  WHERE owner IS NOT NULL;"
	"DROP INDEX inbound_delivery;",
	/* 6: an answer read but not certain ("the Thursday", "в" that may be
	 * b or c, an amount in another currency): asked back, listed for
	 * staff, never counted */
	"ALTER TABLE answers ADD COLUMN unconfirmed INTEGER NOT NULL"
	"  DEFAULT 0;",
	/* 7: the fingerprint of the text part a delivery sent
	 * (mail/fprint.h), by which ingest finds that text quoted in a
	 * reply in any language and layout. Kept per delivery because
	 * templates change: rendering again later is no substitute. */
	"ALTER TABLE deliveries ADD COLUMN fprint BLOB;",
	/* 8: a reply that supersedes an earlier response carries over the
	 * answers it does not repeat (store_response_add), found by
	 * superseded_by: without an index each reply scanned every
	 * response of the store (ingest slowed from 1,800 to 800 msg/s
	 * between 10,000 and 50,000 replies). It also serves the foreign
	 * key's check when a response is deleted (contacts forget). */
	"CREATE INDEX responses_superseded ON responses(superseded_by)"
	"  WHERE superseded_by IS NOT NULL;",
	/* schedules (store_schedule.c): a campaign's [schedule] text; one
	 * row per firing, unique per (schedule, slot), inserted in the
	 * transaction of what it enqueues, so a slot fires once even with
	 * two processes; a contact's own time zone; and rounds, so that a
	 * campaign may remind the same contact more than once (round k of
	 * the k-th reminder; 0 for everything else, as before). */
	"CREATE TABLE campaign_schedules ("
	"  campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id),"
	"  text TEXT NOT NULL);"
	"CREATE TABLE firings ("
	"  schedule TEXT NOT NULL, slot INTEGER NOT NULL,"
	"  at INTEGER NOT NULL, fired INTEGER NOT NULL,"
	"  enqueued INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (schedule, slot));"
	"ALTER TABLE contacts ADD COLUMN timezone TEXT;"
	"ALTER TABLE deliveries ADD COLUMN round INTEGER NOT NULL DEFAULT 0;"
	"DROP INDEX deliveries_one;"
	"CREATE UNIQUE INDEX deliveries_one ON deliveries(campaign_id,"
	"  contact_id, kind, round) WHERE kind NOT IN ('confirm', 'problem');",
	/* how the fetcher last fared with its source, for anketa status:
	 * when a pass last went through, when one last failed and why
	 * (the source as configured: a failed connection has no other) */
	"CREATE TABLE fetch_health ("
	"  source TEXT PRIMARY KEY,"
	"  ok_at INTEGER, failed_at INTEGER, error TEXT);",
	/* 9: a campaign's life (model/campaign.h): start and deadline as
	 * UTC instants with the IANA zone they were written in, and a hold
	 * a person puts on it (paused, stopped). deadline keeps the text of
	 * the file for display; deadline_at is what closes the campaign.
	 * Deadlines stored before this were dates or date-times without a
	 * zone: read as UTC (timezone stays NULL: shown as written), a bare
	 * date as the end of that day. A reply
	 * recorded after the deadline is kept and marked late. */
	"ALTER TABLE campaigns ADD COLUMN start_at INTEGER;"
	"ALTER TABLE campaigns ADD COLUMN deadline_at INTEGER;"
	"ALTER TABLE campaigns ADD COLUMN timezone TEXT;"
	"ALTER TABLE campaigns ADD COLUMN hold TEXT CHECK (hold IS NULL OR"
	"  hold = 'paused' OR hold = 'stopped');"
	"UPDATE campaigns SET deadline_at = unixepoch("
	"  CASE WHEN length(trim(deadline)) = 10 THEN trim(deadline) ||"
	"  'T23:59:59' ELSE trim(deadline) END)"
	"  WHERE deadline IS NOT NULL AND trim(deadline) <> '';"
	"ALTER TABLE responses ADD COLUMN late INTEGER NOT NULL DEFAULT 0;",
	/* events (model/event.h, store_event.h): a calendar event sent
	 * through its invitation campaign. uid is made once and never
	 * changes; sequence rises with every change of time or venue
	 * (RFC 5545 3.8.7.4). One RSVP per (event, contact): a changed
	 * answer replaces it; sequence is the SEQUENCE it answered, arrival
	 * and arrival_order the mailbox's INTERNALDATE and UID (seats.h).
	 * event_seats keeps the last allocation, so a change is told. The
	 * municipality key (model/town.h) is set at import. The event mail
	 * kinds (update, cancel, seat) go to one contact many times: the
	 * one-per-campaign index leaves them out. */
	"ALTER TABLE contacts ADD COLUMN town_key TEXT;"
	"CREATE INDEX contacts_town ON contacts(town_key);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  campaign_id INTEGER REFERENCES campaigns(id),"
	"  status TEXT NOT NULL,"	/* poll, confirmed, cancelled */
	"  tzid TEXT, dtstart TEXT, dtend TEXT, rrule TEXT,"
	"  venue TEXT, online TEXT, organizer TEXT,"
	"  seats_total INTEGER NOT NULL DEFAULT 0,"
	"  seats_per_town INTEGER NOT NULL DEFAULT 0,"
	"  poll_question TEXT, file TEXT, spec TEXT,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE event_options ("
	"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
	"  opt TEXT NOT NULL, dtstart TEXT NOT NULL, dtend TEXT,"
	"  PRIMARY KEY (event_id, opt)) WITHOUT ROWID;"
	"CREATE TABLE event_attendees ("
	"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  delegated_from INTEGER REFERENCES contacts(id),"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (event_id, contact_id)) WITHOUT ROWID;"
	"CREATE TABLE event_rsvps ("
	"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  partstat TEXT NOT NULL, sequence INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"	/* imip, text, mailto */
	"  arrival INTEGER NOT NULL, arrival_order INTEGER NOT NULL,"
	"  inbound_id INTEGER REFERENCES inbound(id),"
	"  updated INTEGER NOT NULL,"
	"  PRIMARY KEY (event_id, contact_id)) WITHOUT ROWID;"
	"CREATE TABLE event_seats ("
	"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  state TEXT NOT NULL,"	/* seated, waiting */
	"  PRIMARY KEY (event_id, contact_id)) WITHOUT ROWID;"
	"CREATE INDEX inbound_rsvp ON inbound(campaign_id, contact_id)"
	"  WHERE kind = 'rsvp';"
	"DROP INDEX deliveries_one;"
	"CREATE UNIQUE INDEX deliveries_one ON deliveries(campaign_id,"
	"  contact_id, kind, round) WHERE kind NOT IN ('confirm', 'problem',"
	"  'update', 'cancel', 'seat');",
	/* review: what staff did with a message that needed a person
	 * (store_review.h), and the indexes by which a later message from
	 * the same contact or sender supersedes an item. */
	"CREATE TABLE review_actions ("
	"  id INTEGER PRIMARY KEY,"
	"  inbound_id INTEGER NOT NULL REFERENCES inbound(id)"
	"    ON DELETE CASCADE,"
	"  action TEXT NOT NULL, note TEXT,"
	"  new_inbound_id INTEGER REFERENCES inbound(id) ON DELETE SET NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX review_actions_inbound ON review_actions(inbound_id);"
	"CREATE INDEX inbound_contact ON inbound(contact_id, id)"
	"  WHERE contact_id IS NOT NULL;"
	"CREATE INDEX inbound_from ON inbound(from_addr COLLATE NOCASE, id);",
	/* 9: the choices of a multiple-choice answer, one row each, so a
	 * report counts them with GROUP BY instead of splitting the
	 * comma-joined value of every answer in memory. store_response_add
	 * writes them for every value that is a comma-separated list of ids
	 * (letters, digits, _ . -), and so does this for existing rows,
	 * whatever the question: a value without a comma is counted from
	 * answers, and rows of questions that are not multiple-choice are
	 * never read (a report asks only for a multi question's choices). */
	"CREATE TABLE answer_choices ("
	"  response_id INTEGER NOT NULL, question TEXT NOT NULL,"
	"  choice TEXT NOT NULL,"
	"  PRIMARY KEY (response_id, question, choice),"
	"  FOREIGN KEY (response_id, question) REFERENCES"
	"    answers(response_id, question) ON DELETE CASCADE)"
	"  WITHOUT ROWID;"
	"WITH RECURSIVE split(rid, q, rest, choice) AS ("
	"  SELECT response_id, question, value || ',', NULL FROM answers"
	"  WHERE instr(value, ',') > 0"
	"  AND value NOT GLOB '*[^A-Za-z0-9_.,-]*'"
	"  UNION ALL SELECT rid, q, substr(rest, instr(rest, ',') + 1),"
	"  substr(rest, 1, instr(rest, ',') - 1) FROM split WHERE rest <> '')"
	"INSERT OR IGNORE INTO answer_choices(response_id, question, choice)"
	"  SELECT rid, q, choice FROM split WHERE choice <> '';",
	/* 10: the digests staff were sent, one per address and schedule
	 * slot (digest_fire): once per slot, and the last slot is where the
	 * next digest's "since" starts. */
	"CREATE TABLE digests ("
	"  rcpt TEXT NOT NULL, slot INTEGER NOT NULL,"
	"  PRIMARY KEY (rcpt, slot)) WITHOUT ROWID;",
};

const size_t store_nmigrations =
	sizeof(store_migrations) / sizeof(store_migrations[0]);
