/*
 * cli_event.c -- `anketa event check|add|update|list|show|roster|cancel|
 * uninvite|fix`: events, their changes and their roster.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "model/event.h"
#include "report/roster.h"
#include "store/store_event.h"
#include "daemon.h"
#include "cli.h"

static int
event_file_cmd(struct ctx *c, int argc, char **argv, const char *name,
	       enum event_add_mode mode)
{
	struct errlist errs = { 0 };
	char *ev = NULL;
	long n = 0;
	int rc;

	if (argc != 2)
		return cli_usage_error(name, "%s", "expected FILE");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = event_add(c->store, c->cfg, argv[1], mode, &ev, &n, &errs);
	cli_print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0)
		return EX_DATAERR;
	if (mode == EVENT_UPDATE)
		printf("event %s: stored, %ld updates enqueued\n", ev, n);
	else
		printf("event %s: stored\n", ev);
	free(ev);
	if (n > 0)
		daemon_wake(c->cfg);
	return EX_OK;
}

static int
cmd_event_add(struct ctx *c, int argc, char **argv)
{
	return event_file_cmd(c, argc, argv, "event add", EVENT_ADD);
}

static int
cmd_event_update(struct ctx *c, int argc, char **argv)
{
	return event_file_cmd(c, argc, argv, "event update", EVENT_UPDATE);
}

static int
cmd_event_check(struct ctx *c, int argc, char **argv)
{
	return cli_check_file(c, argc, argv, "event check", event_check);
}

static int
event_row(void *arg, const struct store_event *ev)
{
	struct buf b;

	(void)arg;
	buf_init(&b, 0);
	buf_printf(&b, "%-24s %-10s seq %-3d %-16s %-16s %s",
		   cli_or_dash(ev->name), cli_or_dash(ev->status),
		   ev->sequence, cli_or_dash(ev->dtstart),
		   cli_or_dash(ev->dtend), cli_or_dash(ev->tzid));
	cli_put_line(&b);
	buf_free(&b);
	return 0;
}

static int
cmd_event_list(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 1)
		return cli_usage_error("event list", "unexpected argument '%s'",
				       argv[1]);
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (store_events_each(c->store, event_row, NULL, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

static int
show_cb(void *arg, const struct store_event *ev)
{
	struct buf b;
	const char *const k[] = { "name", "uid", "status", "timezone",
				  "start", "end", "rrule", "venue", "online",
				  "organizer", "file" };
	const char *const v[] = { ev->name, ev->uid, ev->status, ev->tzid,
				  ev->dtstart, ev->dtend, ev->rrule,
				  ev->venue, ev->online, ev->organizer,
				  ev->file };

	(void)arg;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(k) / sizeof(*k); i++) {
		buf_printf(&b, "%-10s %s", k[i], cli_or_dash(v[i]));
		cli_put_line(&b);
	}
	buf_printf(&b, "%-10s %d", "sequence", ev->sequence);
	cli_put_line(&b);
	buf_printf(&b, "%-10s %ld in all, %ld per municipality (0: no "
		   "limit)", "seats", ev->seats_total, ev->seats_per_town);
	cli_put_line(&b);
	buf_free(&b);
	return 0;
}

static int
vote_cb(void *arg, const char *option, const char *start, long votes)
{
	struct buf b;

	(void)arg;
	buf_init(&b, 0);
	buf_printf(&b, "date %-8s %-16s %ld", option, start, votes);
	cli_put_line(&b);
	buf_free(&b);
	return 0;
}

static int
cmd_event_show(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 2)
		return cli_usage_error("event show", "%s", "expected EVENT");
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	rc = store_event_find(c->store, "name", argv[1], show_cb, NULL, &e);
	if (rc == 0)
		err_set(&e, "event %s: not in the store", argv[1]);
	if (rc < 1 || event_votes(c->store, argv[1], vote_cb, NULL, &e) < 0) {
		fprintf(stderr, "anketa event show: %s\n", e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

static int
cmd_event_roster(struct ctx *c, int argc, char **argv)
{
	enum report_format fmt;
	struct err e = { "" };
	int rc;

	if ((rc = cli_opt_format("event roster", argc, argv, &fmt)) != EX_OK)
		return rc;
	if (optind != argc - 1)
		return cli_usage_error("event roster", "%s", "expected EVENT");
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (roster_write(c->store, argv[optind], fmt, stdout, &e) < 0) {
		fprintf(stderr, "anketa event roster: %s\n", e.msg);
		return EX_DATAERR;
	}
	return EX_OK;
}

static int
cmd_event_cancel(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	long n = 0;
	int rc;

	if (argc != 2)
		return cli_usage_error("event cancel", "%s", "expected EVENT");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (event_cancel(c->store, argv[1], &n, &e) < 0) {
		fprintf(stderr, "anketa event cancel: %s\n", e.msg);
		return EX_DATAERR;
	}
	printf("event %s: cancelled, %ld cancellations enqueued\n", argv[1],
	       n);
	daemon_wake(c->cfg);
	return EX_OK;
}

static int
cmd_event_uninvite(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	int rc;

	if (argc != 3)
		return cli_usage_error("event uninvite", "%s",
				       "expected EVENT EMAIL");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	if (event_uninvite(c->store, argv[1], argv[2], &e) < 0) {
		fprintf(stderr, "anketa event uninvite: %s\n", e.msg);
		return EX_DATAERR;
	}
	printf("event %s: %s removed, a cancellation enqueued\n", argv[1],
	       argv[2]);
	daemon_wake(c->cfg);
	return EX_OK;
}

static int
cmd_event_fix(struct ctx *c, int argc, char **argv)
{
	struct err e = { "" };
	long n = 0;
	int rc;

	if (argc != 3)
		return cli_usage_error("event fix", "%s",
				       "expected EVENT OPTION");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = event_fix(c->store, argv[1], argv[2], &n, &e);
	if (rc == 0)
		err_set(&e, "event %s: no date option '%s' (anketa event "
			"show lists them)", argv[1], argv[2]);
	if (rc < 1) {
		fprintf(stderr, "anketa event fix: %s\n", e.msg);
		return EX_DATAERR;
	}
	printf("event %s: date %s fixed, %ld invitations enqueued\n",
	       argv[1], argv[2], n);
	daemon_wake(c->cfg);
	return EX_OK;
}

const struct command cli_event_commands[] = {
	{ "event check", cmd_event_check, "FILE",
	  "validate an event file without storing it" },
	{ "event add", cmd_event_add, "FILE",
	  "validate and store a new event" },
	{ "event update", cmd_event_update, "FILE",
	  "store a changed event: a new time or venue is sent to every "
	  "invitee" },
	{ "event list", cmd_event_list, "", "the stored events" },
	{ "event show", cmd_event_show, "EVENT",
	  "an event's details and its date poll counts" },
	{ "event roster", cmd_event_roster,
	  "[--format text|csv|json|html] EVENT",
	  "accepted, tentative, declined, waiting, no answer, by town" },
	{ "event cancel", cmd_event_cancel, "EVENT",
	  "cancel an event: a cancellation to every invitee" },
	{ "event uninvite", cmd_event_uninvite, "EVENT EMAIL",
	  "remove one attendee: a cancellation to them" },
	{ "event fix", cmd_event_fix, "EVENT OPTION",
	  "fix a polled date: the calendar invitation goes out" },
};
const size_t cli_event_ncommands =
	sizeof(cli_event_commands) / sizeof(cli_event_commands[0]);
