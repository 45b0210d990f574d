/* test_event.c -- events end to end on a temporary store: the file format
 * (good files stored, every problem of bad.event with its FILE:LINE),
 * SEQUENCE and the update/cancel mail, RSVP replacement, a REPLY to an
 * older SEQUENCE, seats with the waiting list and a decline promoting
 * the next in line, a delegate, concurrent RSVPs from two processes,
 * town keys at import, date polls and the roster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/config.h"
#include "base/xmem.h"
#include "model/contacts.h"
#include "model/event.h"
#include "receive/record.h"
#include "report/roster.h"
#include "store/store.h"
#include "store/store_event.h"
#include "tfix.h"

#define DIR "tests/data/events/"
#define NTOWNS 5
#define PER_TOWN 3
#define NC (NTOWNS * PER_TOWN)

static const char *const towns[NTOWNS] = {
	"Kavarna", "Каварна", "Balchik", "Dobrich", "Shabla",
};
/* "Kavarna" and "Каварна" are one town: keys kavarna x6, balchik x3 ... */

struct fixture {
	struct tfix t;
	struct config cfg;
	int64_t campaign, contact[NC];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	void *t = NULL;

	if (tfix_setup(&t, "test_event") < 0)
		return -1;
	f->t = *(struct tfix *)t;
	free(t);
	f->cfg.surveys_dir = xstrdup("surveys");
	f->cfg.schema_path = xstrdup("surveys/survey.rng");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tfix_close(f->t.dir, &f->t.s);
	free(f->cfg.surveys_dir);
	free(f->cfg.schema_path);
	free(f);
	return 0;
}

/* NC contacts c0..c14 of towns[i % NTOWNS] imported from a CSV (so the
 * town keys are set as an organiser's import sets them), the campaign
 * ghent-invite and its invitations planned. */
static void
people(struct fixture *f)
{
	struct store_campaign sc = { 0 };
	struct contacts_stats st;
	struct errlist errs = { 0 };
	char *csv = xasprintf("%s/c.csv", f->t.dir);
	FILE *fp = fopen(csv, "w");
	long n;

	assert_non_null(fp);
	fprintf(fp, "email,name,municipality,language\n");
	for (int i = 0; i < NC; i++)
		fprintf(fp, "c%d@example.org,C %d,%s%s,bg\n", i, i,
			i == 7 ? "Община " : "", towns[i % NTOWNS]);
	fclose(fp);
	assert_int_equal(contacts_import(f->t.s, csv, 0, &st, &errs), 0);
	assert_int_equal(st.added, NC);
	errlist_free(&errs);
	free(csv);
	for (int i = 0; i < NC; i++) {
		char q[128];

		snprintf(q, sizeof(q), "SELECT id FROM contacts WHERE email = "
			 "'c%d@example.org'", i);
		f->contact[i] = tfix_sql_int(&f->t, "%s", q);
	}
	sc.name = "ghent-invite";
	sc.kind = "invitation";
	sc.template = "invitation";
	TFIX_OK(&f->t, store_campaign_put(f->t.s, &sc, &f->campaign,
					  &f->t.e));
	TFIX_OK(&f->t, store_deliveries_plan(f->t.s, f->campaign, "invite",
					     &n, &f->t.e));
	assert_int_equal(n, NC);
}

/* An event stored directly: caps as given, campaign ghent-invite. */
static int64_t
event_put(struct fixture *f, const char *name, long total, long per_town,
	  const char *start)
{
	struct store_event ev = { 0 };
	int64_t id;
	int changed;

	ev.name = name;
	ev.uid = name;
	ev.campaign_id = f->campaign;
	ev.tzid = "Europe/Brussels";
	ev.dtstart = start;
	ev.venue = "Gent";
	ev.seats_total = total;
	ev.seats_per_town = per_town;
	TFIX_OK(&f->t, store_event_put(f->t.s, &ev, &id, &changed, &f->t.e));
	return id;
}

/* Contact i answers partstat to SEQUENCE seq (-1: a written answer),
 * arriving at time 1000 + at. */
static enum event_rsvp_outcome
answer(struct store *s, struct fixture *f, const char *uid, int i,
       const char *partstat, int seq, int at)
{
	struct event_rsvp r = { 0 };
	struct event_rsvp_result res;
	struct err e;

	r.uid = uid;
	r.campaign_id = uid == NULL ? f->campaign : 0;	/* a written answer */
	r.contact_id = f->contact[i];
	r.partstat = partstat;
	r.sequence = seq;
	r.source = seq < 0 ? "text" : "imip";
	r.arrival = 1000 + at;
	r.arrival_order = at;
	if (store_begin(s, &e) < 0 || event_rsvp(s, &r, &res, &e) < 0 ||
	    store_commit(s, &e) < 0)
		fail_msg("rsvp of c%d: %s", i, e.msg);
	return res.outcome;
}

static long long
seat_of(struct fixture *f, const char *uid, int i, const char *state)
{
	return tfix_sql_int(&f->t, "SELECT count(*) FROM event_seats t JOIN "
			    "events e ON e.id = t.event_id WHERE e.uid = '%s' "
			    "AND t.contact_id = %lld AND t.state = '%s'", uid,
			    (long long)f->contact[i], state);
}

static long long
mail_count(struct fixture *f, const char *kind, const char *change)
{
	return tfix_sql_int(&f->t, "SELECT count(*) FROM deliveries WHERE "
			    "kind = '%s' AND json_extract(vars, '$.change') = "
			    "'%s'", kind, change);
}

/* ---- the file format ------------------------------------------------------ */

static void
test_good_files(void **state)
{
	struct fixture *f = *state;
	const char *good[] = { DIR "ghent-visit.event", DIR "wg-housing.event",
			       DIR "platform-poll.event" };

	for (size_t i = 0; i < 3; i++) {
		struct errlist errs = { 0 };

		if (event_check(&f->cfg, good[i], &errs) != 0)
			fail_msg("%s: %s", good[i], errs.n ? errs.v[0] : "?");
		errlist_free(&errs);
	}
}

static void
test_bad_file_every_line(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	const char *want[] = {
		DIR "bad.event:9: unknown key \"colour\" in [event]",
		DIR "bad.event:11: [title] \"xx\": a language code is bg, en, "
		"nl or cs",
		DIR "bad.event:15: unknown section [agenda] (known: [event], "
		"[title], [description], [seats], [dates])",
		DIR "bad.event:16: indented line: keys start at the beginning "
		"of a line",
		DIR "bad.event:17: syntax error (expected [section] or key = "
		"value)",
		DIR "bad.event:2: [event] name \"bad name\": use letters, "
		"digits, '-', '_' and '.' (at most 64)",
		DIR "bad.event:3: [event] organizer \"nobody\": no @ in the "
		"e-mail address",
		DIR "bad.event:8: [event] online \"meet.example.org\": a link "
		"starting with https://",
		DIR "bad.event:5: [event] start \"2026-02-30T10:00\": write "
		"YYYY-MM-DDTHH:MM (local time in the event's time zone) or "
		"YYYY-MM-DD for a whole day",
		DIR "bad.event:4: [event] timezone \"Mars/Olympus\": not a time "
		"zone name (write e.g. Europe/Sofia, Europe/Brussels, "
		"Europe/Prague)",
		DIR "bad.event:7: [event] rrule \"EVERY=TUESDAY\": not an RFC "
		"5545 RRULE (e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU)",
		DIR "bad.event: [title] is missing: a title in at least one "
		"language (en = ..., bg = ...)",
		DIR "bad.event:13: [seats] total \"ten\": a whole number, 0 "
		"for no limit",
	};

	assert_int_equal(event_check(&f->cfg, DIR "bad.event", &errs), -1);
	for (size_t i = 0; i < errs.n && i < sizeof(want) / sizeof(*want);
	     i++)
		assert_string_equal(errs.v[i], want[i]);
	assert_int_equal(errs.n, sizeof(want) / sizeof(*want));
	errlist_free(&errs);
}

/* ---- changes --------------------------------------------------------------- */

static char *
edited_copy(struct fixture *f, const char *from, const char *to)
{
	char *path = xasprintf("%s/edited.event", f->t.dir);
	FILE *in = fopen(DIR "ghent-visit.event", "r"), *out = fopen(path, "w");
	char line[512];

	assert_non_null(in);
	assert_non_null(out);
	while (fgets(line, sizeof(line), in))
		fputs(strncmp(line, from, strlen(from)) == 0 ? to : line, out);
	fclose(in);
	fclose(out);
	return path;
}

static void
test_update_and_cancel(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	char *name = NULL, *moved, *same;
	long n = -1;
	struct err e;

	people(f);
	assert_int_equal(event_add(f->t.s, &f->cfg, DIR "ghent-visit.event",
				   EVENT_ADD, &name, &n, &errs), 0);
	assert_string_equal(name, "ghent-visit");
	free(name);
	/* twice "add": refused, the store unchanged */
	assert_int_equal(event_add(f->t.s, &f->cfg, DIR "ghent-visit.event",
				   EVENT_ADD, NULL, &n, &errs), -1);
	assert_int_equal(errs.n, 1);
	errlist_free(&errs);
	/* the same time: no new SEQUENCE, no mail */
	same = edited_copy(f, "venue", "venue = Stadhuis Gent, Botermarkt 1, "
			   "9000 Gent\n");
	assert_int_equal(event_add(f->t.s, &f->cfg, same, EVENT_UPDATE, NULL,
				   &n, &errs), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT sequence FROM events"),
			 0);
	/* a new start: SEQUENCE 1 and one update to every invitee, with
	 * the same UID */
	moved = edited_copy(f, "start", "start = 2026-10-13\n");
	assert_int_equal(event_add(f->t.s, &f->cfg, moved, EVENT_UPDATE, NULL,
				   &n, &errs), 0);
	assert_int_equal(n, NC);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT sequence FROM events"),
			 1);
	assert_int_equal(mail_count(f, "update", "changed"), NC);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(DISTINCT uid) "
				      "FROM events"), 1);
	/* one attendee removed: a CANCEL to that one only */
	TFIX_OK(&f->t, event_uninvite(f->t.s, "ghent-visit",
				      "c3@example.org", &f->t.e));
	assert_int_equal(mail_count(f, "cancel", "removed"), 1);
	/* cancelled: a CANCEL to the others, SEQUENCE 2 */
	assert_int_equal(event_cancel(f->t.s, "ghent-visit", &n, &e), 0);
	assert_int_equal(n, NC - 1);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT sequence FROM events"),
			 2);
	assert_int_equal(event_cancel(f->t.s, "ghent-visit", &n, &e), -1);
	errlist_free(&errs);
	free(same);
	free(moved);
}

/* ---- RSVPs ------------------------------------------------------------------ */

static void
test_changed_answer_replaces(void **state)
{
	struct fixture *f = *state;

	people(f);
	event_put(f, "ev", 0, 0, "2026-10-12");
	assert_int_equal(answer(f->t.s, f, "ev", 0, "ACCEPTED", 0, 1),
			 EVENT_RSVP_RECORDED);
	/* a written answer: found by its campaign, no UID */
	assert_int_equal(answer(f->t.s, f, NULL, 0, "DECLINED", -1, 2),
			 EVENT_RSVP_RECORDED);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM "
				      "event_rsvps"), 1);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM "
				      "event_rsvps WHERE partstat = "
				      "'DECLINED' AND source = 'text'"), 1);
	/* an unknown UID is no event's answer */
	assert_int_equal(answer(f->t.s, f, "nope", 1, "ACCEPTED", 0, 3),
			 EVENT_RSVP_NO_EVENT);
}

static void
test_old_sequence_asks_again(void **state)
{
	struct fixture *f = *state;
	struct store_event ev = { 0 };
	int64_t id;
	int changed;

	people(f);
	event_put(f, "ev", 0, 0, "2026-10-12");
	assert_int_equal(answer(f->t.s, f, "ev", 0, "ACCEPTED", 0, 1),
			 EVENT_RSVP_RECORDED);
	/* the time changes: SEQUENCE 1 */
	ev.name = "ev";
	ev.uid = "ev";
	ev.campaign_id = f->campaign;
	ev.tzid = "Europe/Brussels";
	ev.dtstart = "2026-10-19";
	ev.venue = "Gent";
	TFIX_OK(&f->t, store_event_put(f->t.s, &ev, &id, &changed, &f->t.e));
	assert_int_equal(changed, 1);
	/* a REPLY to SEQUENCE 0 arriving now is not an answer to the new
	 * time: not stored, the attendee is asked again */
	assert_int_equal(answer(f->t.s, f, "ev", 1, "ACCEPTED", 0, 2),
			 EVENT_RSVP_STALE);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM "
				      "event_rsvps WHERE contact_id = %lld",
				      (long long)f->contact[1]), 0);
	assert_int_equal(mail_count(f, "update", "confirm-again"), 1);
	/* the earlier acceptance shows as asked again in the roster */
	assert_int_equal(answer(f->t.s, f, "ev", 2, "ACCEPTED", 1, 3),
			 EVENT_RSVP_RECORDED);
	{
		char *path = xasprintf("%s/r.json", f->t.dir);
		FILE *fp = fopen(path, "w+");
		char buf[8192];
		size_t n;

		TFIX_OK(&f->t, roster_write(f->t.s, "ev", REPORT_JSON, fp,
					    &f->t.e));
		rewind(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
		free(path);
		assert_non_null(strstr(buf, "\"counts\":{\"accepted\":1,"
				       "\"waiting\":0,\"tentative\":0,"
				       "\"declined\":0,\"asked-again\":1,"
				       "\"no-answer\":13}"));
	}
}

/* ---- seats ------------------------------------------------------------------ */

static void
test_seats_waiting_list_and_promotion(void **state)
{
	struct fixture *f = *state;

	people(f);
	event_put(f, "visit", 10, 2, "2026-10-12");
	/* Kavarna: c0, c1 (Каварна), c5, c6, c10, c11 are one town */
	assert_int_equal(answer(f->t.s, f, "visit", 0, "ACCEPTED", 0, 1), 0);
	assert_int_equal(answer(f->t.s, f, "visit", 1, "ACCEPTED", 0, 2), 0);
	assert_int_equal(answer(f->t.s, f, "visit", 5, "ACCEPTED", 0, 3), 0);
	assert_int_equal(answer(f->t.s, f, "visit", 6, "ACCEPTED", 0, 4), 0);
	assert_int_equal(seat_of(f, "visit", 0, "seated"), 1);
	assert_int_equal(seat_of(f, "visit", 1, "seated"), 1);
	assert_int_equal(seat_of(f, "visit", 5, "waiting"), 1);
	assert_int_equal(seat_of(f, "visit", 6, "waiting"), 1);
	assert_int_equal(mail_count(f, "seat", "waiting"), 2);
	/* a decline gives the seat to the next in line (c5, not c6), who
	 * is told */
	assert_int_equal(answer(f->t.s, f, "visit", 1, "DECLINED", 0, 5), 0);
	assert_int_equal(seat_of(f, "visit", 5, "seated"), 1);
	assert_int_equal(seat_of(f, "visit", 6, "waiting"), 1);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM deliveries "
				      "WHERE kind = 'seat' AND contact_id = "
				      "%lld AND json_extract(vars, "
				      "'$.change') = 'seated'",
				      (long long)f->contact[5]), 1);
	/* accepting again keeps c0's place (arrival kept) */
	assert_int_equal(answer(f->t.s, f, "visit", 0, "ACCEPTED", 0, 9), 0);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT arrival FROM event_rsvps "
				      "WHERE contact_id = %lld",
				      (long long)f->contact[0]), 1001);
}

static void
test_delegate_takes_the_seat(void **state)
{
	struct fixture *f = *state;
	struct event_rsvp r = { 0 };
	struct event_rsvp_result res;

	people(f);
	event_put(f, "visit", 10, 1, "2026-10-12");
	assert_int_equal(answer(f->t.s, f, "visit", 2, "ACCEPTED", 0, 1), 0);
	/* c2 (Balchik) delegates to c3 (Dobrich): c3 sits for Balchik */
	r.uid = "visit";
	r.contact_id = f->contact[2];
	r.partstat = "DELEGATED";
	r.delegate_id = f->contact[3];
	r.arrival = 1005;
	TFIX_OK(&f->t, store_begin(f->t.s, &f->t.e));
	TFIX_OK(&f->t, event_rsvp(f->t.s, &r, &res, &f->t.e));
	TFIX_OK(&f->t, store_commit(f->t.s, &f->t.e));
	assert_int_equal(seat_of(f, "visit", 3, "seated"), 1);
	assert_int_equal(seat_of(f, "visit", 2, "seated"), 0);
	/* Balchik's one seat is taken: c7 of Balchik waits; Dobrich's
	 * c8 still has its own */
	assert_int_equal(answer(f->t.s, f, "visit", 7, "ACCEPTED", 0, 6), 0);
	assert_int_equal(answer(f->t.s, f, "visit", 8, "ACCEPTED", 0, 7), 0);
	assert_int_equal(seat_of(f, "visit", 7, "waiting"), 1);
	assert_int_equal(seat_of(f, "visit", 8, "seated"), 1);
}

/* Two processes, each with its own connection, record acceptances at
 * once (each child its half of the contacts, in reverse). The result
 * must be the one arrival order gives, whatever the interleaving: c0
 * and c1 (Kavarna and Каварна: one town, full), c2, c3, c4, then c7
 * (Balchik's second; c5 and c6 are Kavarna's third and fourth): 6. */
static void
test_concurrent_rsvps(void **state)
{
	struct fixture *f = *state;
	pid_t pid[2];

	people(f);
	event_put(f, "visit", 6, 2, "2026-10-12");
	for (int k = 0; k < 2; k++) {
		if ((pid[k] = fork()) == 0) {
			struct store *s;
			struct err e;

			if (store_open(f->t.path, &s, &e) < 0)
				_exit(2);
			for (int i = NC - 1 - k; i >= 0; i -= 2)
				answer(s, f, "visit", i, "ACCEPTED", 0, i);
			store_free(&s);
			_exit(0);
		}
		assert_true(pid[k] > 0);
	}
	for (int k = 0; k < 2; k++) {
		int st;

		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM event_seats"
				      " WHERE state = 'seated'"), 6);
	for (int i = 0; i < NC; i++)
		assert_int_equal(seat_of(f, "visit", i, i <= 4 || i == 7 ?
					 "seated" : "waiting"), 1);
}

/* ---- town keys, polls ------------------------------------------------------- */

static void
test_town_keys_at_import(void **state)
{
	struct fixture *f = *state;
	struct contacts_stats st;
	struct errlist errs = { 0 };
	char *csv = xasprintf("%s/near.csv", f->t.dir);
	FILE *fp = fopen(csv, "w");

	people(f);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(DISTINCT town_key) "
				      "FROM contacts"), 4);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM contacts "
				      "WHERE town_key = 'kavarna'"), 6);
	fprintf(fp, "email,municipality\nx@example.org,Kavarna\n"
		"y@example.org,Kavarma\n");
	fclose(fp);
	assert_int_equal(contacts_import(f->t.s, csv, 0, &st, &errs), 0);
	assert_int_equal(errs.n, 1);
	assert_string_equal(strstr(errs.v[0], ":3: "), ":3: warning: "
			    "municipality \"kavarma\" is close to \"kavarna\" "
			    "(line 2): the same town misspelt?");
	errlist_free(&errs);
	free(csv);
}

static int
vote_cb(void *arg, const char *option, const char *start, long votes)
{
	char *b = arg;

	(void)start;
	sprintf(b + strlen(b), "%s=%ld ", option, votes);
	return 0;
}

static void
test_date_poll(void **state)
{
	struct fixture *f = *state;
	struct errlist errs = { 0 };
	char *path = xasprintf("%s/poll.event", f->t.dir), got[256] = "";
	FILE *in = fopen(DIR "platform-poll.event", "r"), *out;
	char line[512];
	long n = 0;
	int64_t rid;

	people(f);
	out = fopen(path, "w");
	while (fgets(line, sizeof(line), in)) {
		fputs(line, out);
		if (strncmp(line, "[event]", 7) == 0)
			fputs("campaign = ghent-invite\n", out);
	}
	fclose(in);
	fclose(out);
	assert_int_equal(event_add(f->t.s, &f->cfg, path, EVENT_ADD, NULL,
				   NULL, &errs), 0);
	/* three answers; several dates each allowed */
	TFIX_OK(&f->t, store_begin(f->t.s, &f->t.e));
	for (int i = 0; i < 3; i++) {
		struct store_answer a = { "when", i == 0 ? "a,b" : i == 1 ?
					  "b" : "b,c" };

		TFIX_OK(&f->t, store_response_add(f->t.s, f->campaign,
						  f->contact[i], 0, &a, 1,
						  &rid, &f->t.e));
	}
	TFIX_OK(&f->t, store_commit(f->t.s, &f->t.e));
	TFIX_OK(&f->t, event_votes(f->t.s, "platform-2", vote_cb, got,
				   &f->t.e));
	assert_string_equal(got, "a=1 b=3 c=1 ");
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM events "
				      "WHERE status = 'poll'"), 1);
	assert_int_equal(event_fix(f->t.s, "platform-2", "z", &n, &f->t.e),
			 0);
	assert_int_equal(event_fix(f->t.s, "platform-2", "b", &n, &f->t.e),
			 1);
	assert_int_equal(n, NC);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM events "
				      "WHERE status = 'confirmed' AND dtstart "
				      "= '2027-03-16T10:00'"), 1);
	assert_int_equal(mail_count(f, "update", "fixed"), NC);
	errlist_free(&errs);
	free(path);
}

/* record_message with an RSVP: the campaign report counts it */
static void
test_recorded_rsvp_is_an_answer(void **state)
{
	struct fixture *f = *state;
	struct event_rsvp r = { 0 };
	struct record_msg m = { 0 };

	people(f);
	event_put(f, "ev", 0, 0, "2026-10-12");
	r.uid = "ev";
	r.partstat = "ACCEPTED";
	r.sequence = 0;
	r.source = "imip";
	m.in.src_key = "maildir:x/1";
	m.in.kind = STORE_I_RSVP;
	m.in.contact_id = f->contact[4];
	m.in.campaign_id = f->campaign;
	m.in.rsvp_partstat = "ACCEPTED";
	m.rsvp = &r;
	assert_int_equal(record_message(f->t.s, &m, NULL, &f->t.e), 1);
	assert_int_equal(tfix_sql_int(&f->t, "SELECT count(*) FROM event_rsvps"
				      " WHERE contact_id = %lld AND partstat "
				      "= 'ACCEPTED'",
				      (long long)f->contact[4]), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_good_files),
		T(test_bad_file_every_line),
		T(test_update_and_cancel),
		T(test_changed_answer_replaces),
		T(test_old_sequence_asks_again),
		T(test_seats_waiting_list_and_promotion),
		T(test_delegate_takes_the_seat),
		T(test_concurrent_rsvps),
		T(test_town_keys_at_import),
		T(test_date_poll),
		T(test_recorded_rsvp_is_an_answer),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
